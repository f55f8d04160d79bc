"""The long explanation of each built-in cause: ``pip-doctor explain ID``.

Each :class:`Explanation` says what the cause is, why it happens, how to fix
it and how to prevent it, and which documents to read. :func:`explain`
renders one as text (80 columns), the seed of the user documentation.
"""

from __future__ import annotations

from typing import Optional

from pip_doctor import _links
from pip_doctor._model import Explanation

_CAUSES: tuple[Explanation, ...] = (
    Explanation(
        id="system-site-packages",
        title="installing into a Python that belongs to the system",
        what="""pip was asked to install into the global site-packages of an
        interpreter that is not a virtual environment (a Linux distribution's
        /usr/bin/python3, a Python installed for all users), and your account
        may not write there.""",
        why="""A plain `pip install` installs into the interpreter that runs it.
        When no virtual environment is active that is the shared, system-wide
        Python, whose files belong to root or the administrator. On many Linux
        distributions that Python is also marked "externally managed" (PEP
        668): its packages are the operating system's, installed with apt, dnf
        or similar.""",
        fix="""Create a virtual environment that you own and install into it:
        `python3 -m venv ~/.venv`, then `~/.venv/bin/python -m pip install
        PACKAGE` (on Windows `~\\.venv\\Scripts\\python.exe`). Where the Python is
        not externally managed and the user site is enabled, `python3 -m pip
        install --user PACKAGE` also works. For a command-line application,
        pipx installs each tool in its own environment.

        Do not use `sudo pip install`, `chmod -R 777` or
        `--break-system-packages`: they change files the system package
        manager owns, and can break system tools or be undone by the next
        update.""",
        prevent="""Make one virtual environment per project (`python3 -m venv
        .venv` in the project directory) and activate it, or call its
        interpreter directly. Leave the system Python to the system.""",
        links=(_links.VENV_GUIDE, _links.INSTALLING_TUTORIAL, _links.PIP_USER_INSTALLS,
               _links.PEP_668),
    ),
    Explanation(
        id="env-owned-by-other-user",
        title="the environment belongs to another account",
        what="""The virtual environment or conda environment pip installs into
        belongs to another account (often root), so your account may not add
        or change files in it.""",
        why="""Usually the environment was created with `sudo` (`sudo python3
        -m venv .venv`), or by another user or a provisioning script, or it was
        copied with its owner kept. Everything created as root stays root's,
        however the environment is used later.""",
        fix="""If the environment is yours (it lies in your home or project),
        give it back to your account once, as root: `sudo chown -R YOU
        PATH/TO/ENV`. Otherwise create your own environment (`python3 -m venv
        ~/.venv`) and install there, or ask its owner to install what you
        need.""",
        prevent="""Create environments as the account that will use them, never
        with sudo. In containers and CI, create them after switching to the
        user that runs the code.""",
        links=(_links.VENV_GUIDE, _links.VENV_DOCS),
    ),
    Explanation(
        id="foreign-owned-files",
        title="files inside your environment belong to another account",
        what="""The environment is yours, but some files or directories inside it
        belong to another account (usually root), so pip cannot replace, upgrade
        or remove them.""",
        why="""Someone ran `sudo pip install` (or `sudo python -m pip`) into this
        environment once. pip then wrote those packages as root. Your own
        installs work until one of them must change those files, typically an
        upgrade or an uninstall.""",
        fix="""Give the environment back to your account, as root, once:
        `sudo chown -R YOU PATH/TO/ENV`. If that is not possible, create a new
        environment and install everything there.""",
        prevent="""Never combine sudo with pip in an environment you use as
        yourself. If pip says permission denied, find out why (this report)
        rather than retrying with sudo.""",
        links=(_links.VENV_GUIDE, _links.PIP_USER_INSTALLS),
    ),
    Explanation(
        id="install-target-not-writable",
        title="the chosen install destination is not writable",
        what="""pip was told where to install, with `--target`, `--prefix`,
        `--root` or `--user`, and your account may not write into that
        directory (or one of the directories pip derives from it, such as
        `bin`).""",
        why="""The directory exists and belongs to another account, its
        permissions do not allow you to write, or it is to be created inside a
        directory you cannot write. With `--user` this happens when `~/.local`
        was created by root, for example by a `sudo pip install --user` that
        kept your HOME.""",
        fix="""Install into a directory you own (`--target ~/lib`), or use a
        virtual environment. If the directory lies in your home and should be
        yours, give it back: `sudo chown -R YOU DIR`.""",
        prevent="""Choose install destinations inside your home or project, and
        create them as yourself before installing.""",
        links=(_links.PIP_TARGET_OPTION, _links.PIP_USER_INSTALLS, _links.VENV_GUIDE),
    ),
    Explanation(
        id="wrong-environment",
        title="pip runs in another environment than the one you activated",
        what="""The pip that ran belongs to a different Python than the one
        you activated: `VIRTUAL_ENV` or `CONDA_PREFIX` name one environment,
        but pip installs into another (often the system Python).""",
        why="""The bare `pip` command found first on PATH is not the
        environment's: the environment has no pip of its own, PATH was changed
        after activation, the shell remembers an old location of `pip`, or
        the environment was moved or renamed after it was created (its scripts
        still point at the old place).""",
        fix="""Call pip through the environment's interpreter:
        `PATH/TO/ENV/bin/python -m pip install PACKAGE` (on Windows
        `PATH\\TO\\ENV\\Scripts\\python.exe -m pip`). If the environment was moved,
        create it again where it now lives.""",
        prevent="""Prefer `python -m pip` over a bare `pip`, check with
        `python -m pip --version` which Python it installs for, and do not
        move environments: recreate them instead.""",
        links=(_links.VENV_GUIDE, _links.INSTALLING_TUTORIAL),
    ),
    Explanation(
        id="read-only-filesystem",
        title="the destination is on a read-only filesystem",
        what="""The directory pip writes into lies on a filesystem mounted
        read-only (the error is EROFS), so no permission or owner change can
        make it writable.""",
        why="""Container images and their layers, read-only bind mounts,
        network shares, live systems, and filesystems the kernel switched to
        read-only after errors are all read-only by design or by accident.""",
        fix="""Install somewhere writable: a virtual environment in your home
        (`python3 -m venv ~/.venv`). Only if the filesystem is meant to be
        writable, an administrator can remount it (`mount -o remount,rw
        MOUNTPOINT`); if the kernel made it read-only after errors, check the
        disk first.""",
        prevent="""Keep environments on writable storage; in containers,
        install packages at image build time or into a writable volume.""",
        links=(_links.VENV_GUIDE, _links.VENV_DOCS),
    ),
    Explanation(
        id="disk-full",
        title="no space or quota left where pip writes",
        what="""The filesystem pip writes to has no free space or no free
        inodes left for your account (ENOSPC), or your disk quota is used up
        (EDQUOT).""",
        why="""pip unpacks and builds in a temporary directory, keeps a cache
        in your home, and then copies the files into the environment; any of
        these can fill a small filesystem (a tmpfs /tmp, a container's
        overlay, a home with a quota).""",
        fix="""Free space on that filesystem (`du -xh --max-depth=1 MOUNTPOINT`
        shows what uses it; `python -m pip cache purge` empties pip's cache),
        or install into an environment on another filesystem. When the
        temporary directory is the full one, point TMPDIR at a directory with
        space.""",
        prevent="""Watch free space where environments and /tmp live, and clear
        pip's cache from time to time (`pip cache purge`).""",
        links=(_links.VENV_GUIDE, _links.PIP_CACHING),
    ),
    Explanation(
        id="owner-write-bit-removed",
        title="you own the directory, but its write permission is off",
        what="""The directory pip writes to belongs to your account, but its
        mode lacks the owner's write bit (`dr-xr-xr-x`), so even you may not
        create or replace files in it.""",
        why="""A `chmod -R a-w` to protect an environment, a copy made with
        `cp -r` from a read-only source, an archive unpacked read-only, or a
        tool that marks its output read-only.""",
        fix="""Switch the write bit back on for yourself: `chmod u+w DIR` for
        the directory pip names, or `chmod -R u+w ENV` for the whole
        environment, then run your command again. No `chown` and no new
        environment are needed: it is yours already.""",
        prevent="""To protect an environment from changes, keep it as it is and
        install into a new one instead of removing write permission.""",
        links=(_links.CHMOD_MANUAL,),
    ),
    Explanation(
        id="temp-dir-unusable",
        title="the temporary directory pip builds in cannot be used",
        what="""pip unpacks and builds packages in Python's temporary directory.
        TMPDIR names a directory that does not exist or that you may not write
        (Python then silently takes /tmp or another one, or finds none at all),
        or the directory is on a filesystem mounted `noexec`, where the build
        steps that run programs are refused.""",
        why="""Hardened systems mount /tmp `noexec`; containers and CI jobs set
        TMPDIR to a directory that is made later, belongs to another account,
        or is on a read-only filesystem.""",
        fix="""Make a temporary directory of your own on a normal filesystem and
        run the command with TMPDIR pointing to it: `mkdir -p ~/tmp && TMPDIR=~/tmp
        python -m pip install ...`.""",
        prevent="""Set TMPDIR to a directory that exists, that the account owns and
        that allows programs to run, before pip runs.""",
        links=(_links.TEMPFILE_DOCS,),
    ),
    Explanation(
        id="cache-dir-not-writable",
        title="pip's cache belongs to another account",
        what="""pip's cache directory (usually ~/.cache/pip), or a part of it
        such as `wheels/` or `http-v2/`, belongs to another account. pip warns
        and disables its cache when the top directory is not writable; a
        foreign subdirectory makes a build fail when pip stores the wheel it
        built.""",
        why="""`sudo pip install ...` without `-H` keeps your HOME, so root
        writes root-owned files into your cache.""",
        fix="""Give your own cache back to your account (`sudo chown -R
        $USER ~/.cache/pip`), or run the command with `--no-cache-dir`. Never
        change the owner of another account's cache.""",
        prevent="""Do not run pip with sudo; when you must, use `sudo -H` so that
        root uses its own cache.""",
        links=(_links.PIP_CACHING,),
    ),
    Explanation(
        id="home-not-usable",
        title="no usable home directory (containers)",
        what="""The account that runs pip has no usable home: its uid has no
        entry in the account database and HOME is not set, or HOME is `/`.
        pip then keeps its cache in `/.cache` and `--user` installs go to
        `/.local` (or to a directory literally named `~`), which the account
        may not write.""",
        why="""Containers started with an arbitrary uid (`docker run --user
        12345`, OpenShift) have no passwd entry for it, and HOME defaults to
        `/`.""",
        fix="""Point HOME, PIP_CACHE_DIR and PYTHONUSERBASE at a directory the
        uid owns for the command, or use a virtual environment the runtime
        user owns, or install at image build time.""",
        prevent="""In the image, create the runtime account (or set HOME) and
        install packages while building it, not when the container runs.""",
        links=(_links.PYTHON_ENV_VARS, _links.PIP_CACHING),
    ),
    Explanation(
        id="leftover-stash",
        title="leftovers of an interrupted uninstall or upgrade",
        what="""Before it removes a package, pip moves its files aside into a
        directory whose name starts with `~` (`~ootpkg` for `rootpkg`). An
        uninstall or upgrade that was interrupted or failed can leave these
        behind; later runs warn "Ignoring invalid distribution ~...".""",
        why="""A Ctrl-C or crash during an upgrade, or files pip could move but
        not delete (root-owned files from an earlier `sudo pip`).""",
        fix="""Remove the `~` directories whose real package is installed beside
        them (they are pip's copy of the old version). A `~` directory without
        a matching package may be the only copy left: reinstall that package
        instead.""",
        prevent="""Let pip finish, and avoid `sudo pip` in environments you use
        as yourself.""",
        links=(_links.PIP_UNINSTALL,),
    ),
    Explanation(
        id="requirements-file-unreadable",
        title="pip may not read a requirements file",
        what="""pip could not open a requirements or constraints file (`-r
        FILE`, `-c FILE`, or one such file naming another): "Could not open
        requirements file: [Errno 13] Permission denied". Your account may not
        read the file, or may not enter a directory above it.""",
        why="""The file belongs to another account and is private (mode
        `-rw-------`), often because it was written with `sudo` or holds an
        index password; or it lies in another account's home directory that
        others may not enter.""",
        fix="""If the file (or the directory) is yours, give yourself back the
        right: `chmod u+r FILE` (`chmod u+x DIR` for a directory). If it lies
        in your own checkout but an earlier `sudo` command left it to root,
        `sudo chown YOU FILE`. Otherwise ask its owner, and with their consent
        copy it to a file of your own and install from the copy.

        Do not run `sudo pip install -r FILE`: it installs as root, into an
        environment you use as yourself.""",
        prevent="""Keep requirements files in your own checkout, and avoid
        `sudo` for commands that write into it.""",
        links=(_links.PIP_REQUIREMENTS_FILES, _links.CHMOD_MANUAL),
    ),
    Explanation(
        id="source-tree-not-writable",
        title="the build could not write into the project",
        what="""pip builds a local project (`pip install PROJECT`, `pip install
        -e PROJECT`) in the project's own directory, and the build backend
        writes there: setuptools creates `NAME.egg-info` and `build/`. Your
        account may not write into the project, so the build fails: "error:
        could not create 'src/x.egg-info': Permission denied" in the output
        pip shows.""",
        why="""The checkout belongs to root or another account: it was cloned
        or unpacked with `sudo`, an earlier `sudo pip install -e` left root's
        build files in it, or it is a shared, read-only copy.""",
        fix="""Build from a copy you own (`cp -R PROJECT ~/PROJECT`, then
        install `~/PROJECT`). If the checkout is your own but an earlier `sudo`
        left it to root, give it back: `sudo chown -R YOU PROJECT`.

        pip's `--user` does not help: the build fails in the project, not where
        packages are installed. Do not use `sudo pip install` or `chmod -R
        777`.""",
        prevent="""Clone and build projects as yourself, in directories you
        own.""",
        links=(_links.PIP_LOCAL_PROJECTS,),
    ),
    Explanation(
        id="cross-device-rename",
        title="a file could not be moved between overlay layers",
        what="""pip moves the old version of a package aside before installing
        the new one. On an overlay filesystem (a container), a directory that
        lives in a lower, read-only image layer cannot be renamed unless the
        overlay was mounted with `redirect_dir`: the kernel answers EXDEV
        (cross-device link) or ENOTEMPTY.""",
        why="""Upgrading, in a running container, a package that the base image
        installed.""",
        fix="""Install into a virtual environment created in the container's
        own layer, or build a new image with the versions you need.""",
        prevent="""Do not upgrade base-image packages in place: make a venv in
        the Dockerfile and install there.""",
        links=(_links.OVERLAYFS_DOCS, _links.VENV_GUIDE),
    ),
    Explanation(
        id="name-too-long",
        title="a file name is too long for the filesystem",
        what="""A part of a path is longer than its filesystem allows
        (ENAMETOOLONG). Most filesystems allow 255 bytes; eCryptfs, the
        encrypted home directory of some Linux installs, allows only 143,
        and packages with long file names fail there.""",
        why="""Encrypted home directories, deep build trees, packages with
        very long module or data file names.""",
        fix="""Keep the environment, the temporary directory and pip's cache
        outside the encrypted home: `TMPDIR=/var/tmp/me/tmp
        PIP_CACHE_DIR=/var/tmp/me/cache` and a venv under /var/tmp/me.""",
        prevent="""Create environments on a filesystem without the short name
        limit.""",
        links=(_links.VENV_GUIDE,),
    ),
    Explanation(
        id="certificate-not-trusted",
        title="TLS verification failed: an untrusted certificate",
        what="""pip could not verify the certificate of the index or file host
        ([SSL: CERTIFICATE_VERIFY_FAILED]). pip-doctor reads the certificate the
        server really presents (one TLS handshake, verification off, only to
        read it) and says who issued it and whether that issuer is in the CA
        bundle pip used.""",
        why="""Most often a proxy or security product on the way re-signs
        encrypted traffic with the organisation's own CA, which pip's bundled
        certifi does not contain. Also: a private index with a private CA, a
        self-signed certificate, or a certificate that expired or names another
        host. pip before 24.2 verifies against its bundled certifi unless told
        otherwise; from 24.2 it uses the system's trust store (truststore);
        `--cert`, `PIP_CERT`, pip.conf `cert` and `REQUESTS_CA_BUNDLE` change
        the bundle.""",
        fix="""Trust the organisation's CA, not less: on pip 22.2 to 24.1 with
        Python 3.10+, `--use-feature=truststore` uses the system's store, where
        IT usually installs that CA; from pip 24.2 that is the default, so add
        the CA to the system store. Or point pip at the CA certificate:
        `pip install --cert CA.pem ...` once, `pip config set global.cert
        CA.pem` for good, or `PIP_CERT` for a shell. Before pip 24.2 that file
        replaces pip's bundle, so it must also hold the public CAs if you use
        PyPI too. `--trusted-host` turns verification off for a host: only for
        a host on a network you trust. Never `verify=False` or
        `PYTHONHTTPSVERIFY=0`.""",
        prevent="""Distribute the organisation's CA to the system trust store of
        every machine and image, and use a pip that reads it (24.2 or later).""",
        links=(_links.PIP_HTTPS_CERTIFICATES, _links.TRUSTSTORE),
    ),
    Explanation(
        id="proxy-unreachable",
        title="the configured proxy cannot be reached",
        what="""A proxy is configured (`HTTPS_PROXY`, `https_proxy`, `HTTP_PROXY`,
        `ALL_PROXY`, pip's `--proxy`, `PIP_PROXY` or `proxy` in pip.conf) and pip
        could not connect to it. pip-doctor says which setting named it,
        whether `NO_PROXY` covers the host, and tries one TCP connect to the
        proxy.""",
        why="""The proxy setting is left over from another network (a laptop
        off the VPN), names the wrong host or port, or the proxy is down.""",
        fix="""Unset the variable for this shell if this network needs no
        proxy, set the right proxy, or add internal hosts to `NO_PROXY`. `pip
        config debug` shows where pip's own `proxy` setting comes from.""",
        prevent="""Set proxies per network (in the VPN's or the system's
        settings) rather than in shell start-up files.""",
        links=(_links.PIP_PROXY, _links.PIP_CONFIGURATION),
    ),
    Explanation(
        id="proxy-auth-required",
        title="the proxy answers 407 Proxy Authentication Required",
        what="""The proxy pip goes through wants you to sign in, and pip sent no
        credentials or ones the proxy refused. pip-doctor says which proxy and
        whether credentials were given, never their value.""",
        why="""Corporate proxies often require a user name and password (or
        Kerberos/NTLM, which pip cannot do by itself).""",
        fix="""Put the credentials in the proxy URL
        (`http://USER:PASSWORD@HOST:PORT`, percent-encoding `@` and `:`), or run
        the organisation's local sign-on helper (such as cntlm or px) and point
        the proxy variable at it.""",
        prevent="""Keep passwords out of shell history and committed files;
        prefer a sign-on helper where one exists.""",
        links=(_links.PIP_PROXY,),
    ),
    Explanation(
        id="host-not-resolved",
        title="the index or file host does not resolve",
        what="""The name of the index or of the host a file link points at does
        not resolve to an address. pip-doctor looks the name up once more and
        says where the index URL came from (`--index-url`, `PIP_INDEX_URL`, a
        configuration file, or PyPI).""",
        why="""The machine is offline, DNS is not reachable (a VPN, a
        container without a resolver), or the index URL has a typo.""",
        fix="""Check the index URL and where it came from (`pip config
        debug`). Without a network, install from wheels copied to the machine:
        `pip install --no-index --find-links DIR PACKAGE`.""",
        prevent="""Keep index URLs in one place (pip.conf) and test them; for
        offline machines, keep a wheelhouse (`pip download -d DIR`).""",
        links=(_links.PIP_CONFIGURATION, _links.PIP_LOCAL_PACKAGES),
    ),
    Explanation(
        id="index-unreachable",
        title="connection refused, reset or timed out, no proxy involved",
        what="""pip reached no server at the index or file host: the
        connection was refused, reset, or not answered in time, and no proxy
        was in the way. pip-doctor says which, and pip's `--timeout` and
        `--retries`.""",
        why="""The URL names the wrong port, the server is down, or a firewall
        rejects or drops the traffic (often a network that allows the web only
        through a proxy).""",
        fix="""Check the URL (`pip config debug`); if a proxy is required on
        this network, set `HTTPS_PROXY`; for a slow server raise `--timeout`
        and `--retries`; offline, use `--no-index --find-links DIR`.""",
        prevent="""Mirror the packages you need on an index inside the
        network.""",
        links=(_links.PIP_CONFIGURATION, _links.PIP_LOCAL_PACKAGES),
    ),
    Explanation(
        id="invalid-proxy-url",
        title="the proxy setting is not a valid proxy URL",
        what="""The proxy setting pip uses cannot be read as a proxy URL: no
        host (`http://` or `http://user:pw@`), or a scheme other than http://
        and https://. pip says "Please check proxy URL", "Proxy URL had
        unsupported scheme", or crashes with a TypeError. pip-doctor names the
        variable or configuration entry and shows it without credentials.""",
        why="""A typo, a variable set from an empty value, or a password with
        an unencoded `@` or `/` that cuts the URL short.""",
        fix="""Set the variable to a full URL (`http://HOST:PORT`, with
        `USER:PASSWORD@` before the host if needed, percent-encoded), or unset
        it; `pip config debug` shows pip's own settings.""",
        prevent="""Percent-encode credentials in URLs, and check proxy
        settings when you set them (`curl -x "$HTTPS_PROXY" -I https://pypi.org`).""",
        links=(_links.PIP_PROXY, _links.PIP_CONFIGURATION),
    ),
    Explanation(
        id="file-in-use",
        title="the file is held by a running process",
        what="""pip had to replace or remove a file that is in use: EBUSY or
        ETXTBSY on Linux (a running program, a `.nfsXXXX` file that NFS keeps
        for a process that still has a deleted file open, a directory
        something is mounted on), a sharing or lock violation on Windows
        (WinError 32 or 33).""",
        why="""A Python process, server or editor still runs code from the
        environment you are changing.""",
        fix="""Stop the processes pip-doctor lists (or find them with `fuser -v
        FILE`), then run the command again. For a mount point: unmount it, or
        do not change what is mounted there.""",
        prevent="""Stop services that run from an environment before upgrading
        it, or install into a new environment and switch over.""",
        links=(_links.FUSER_MANUAL,),
    ),
    Explanation(
        id="externally-managed",
        title="the Python is managed by the operating system (PEP 668)",
        what="""The interpreter carries an EXTERNALLY-MANAGED marker: its
        packages belong to the operating system's package manager, and pip
        refuses to install into it (`error: externally-managed-environment`,
        pip 23.0 and later).""",
        why="""Usually a virtual environment was made but not used: `pip`
        (or `sudo pip`) is the system's, not the environment's. Or no
        environment was made at all.""",
        fix="""Run pip with the environment's own Python (`.venv/bin/python -m
        pip install ...`), or create one (`python3 -m venv ~/.venv`). For a
        command-line application, `pipx install NAME`. The operating system's
        package (`apt install python3-NAME`) is another way.
        `--break-system-packages` only moves the problem: it can break system
        tools.""",
        prevent="""Always call `path/to/venv/bin/python -m pip`, or activate the
        environment first.""",
        links=(_links.PEP_668, _links.EXTERNALLY_MANAGED_SPEC, _links.PIPX),
    ),
    Explanation(
        id="os-owned-package",
        title="the package belongs to the operating system",
        what="""pip was asked to uninstall or upgrade a package that the
        operating system's package manager installed (a Debian or Fedora
        `python3-*` package). pip refuses (`uninstall-no-record-file`,
        `uninstall-distutils-installed-package`) or cannot remove its files.""",
        why="""Upgrading a library that system tools also use, in the system
        Python.""",
        fix="""Install the version you need into a virtual environment (with
        `--system-site-packages` to keep seeing the other system packages);
        change the system's copy only with the package manager.""",
        prevent="""Keep the system Python for the system; use environments for
        your own work.""",
        links=(_links.EXTERNALLY_MANAGED_SPEC, _links.VENV_GUIDE),
    ),
    Explanation(
        id="needs-admin",
        title="Windows: a Python for all users, only administrators may change it",
        what="""pip runs a Python installed for every account of this Windows machine
        (under `C:\\Program Files`, `C:\\ProgramData` as Anaconda does for all
        users, or an all-users `C:\\PythonXY`), and Windows refuses your account
        the right to create or replace files there: `[WinError 5] Access is
        denied`.""",
        why="""An all-users install belongs to the Administrators group. pip's own
        check (can it create a file in site-packages) may pass where your
        account may add files, so pip does not fall back to `--user`; replacing
        a file an administrator installed, or writing `Scripts`, then fails.
        pip-doctor reads the owner and your effective rights from each file's
        security descriptor (the Win32 security API), not from file modes.""",
        fix="""Create a virtual environment you own and install into it: `py -m
        venv %LOCALAPPDATA%\\venvs\\proj`, then `...\\Scripts\\python.exe -m pip
        install PACKAGE` (in PowerShell `$env:LOCALAPPDATA\\venvs\\proj`). Or
        install for your account with `--user`, or install a Python for your
        account only (the python.org installer's "Install for me only", or
        `winget install --scope user Python.Python.3.13`). An elevated shell
        (Run as administrator) is only for a Python that is shared on purpose,
        for packages every account needs.

        Do not give Everyone Full control of the Python folder, and do not run
        every install elevated.""",
        prevent="""Use one virtual environment per project; keep the all-users
        Python for what administrators install.""",
        links=(_links.VENV_GUIDE, _links.WINDOWS_PYTHON, _links.PIP_USER_INSTALLS),
    ),
    Explanation(
        id="path-too-long",
        title="Windows: a path over 260 characters, or a name over 255",
        what="""A file pip writes has a path longer than Windows' MAX_PATH (260
        characters) while long-path support is off, or one part of the path is
        longer than 255 characters, which no Windows filesystem allows even with
        long paths on. Windows then reports the file as not found or the name as
        invalid.""",
        why="""Packages with deep folders, a long `%TEMP%` where pip unpacks and
        builds, a virtual environment in a deep project folder, or the Microsoft
        Store Python, whose packages live under
        `...\\LocalCache\\local-packages\\Python3XX\\site-packages`, add up.
        pip-doctor reads `LongPathsEnabled` from the registry and measures the
        path and its longest part.""",
        fix="""Enable long paths once, from an elevated shell: PowerShell
        `New-ItemProperty -Path
        'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\FileSystem' -Name
        LongPathsEnabled -Value 1 -PropertyType DWORD -Force`, or cmd `reg add
        HKLM\\SYSTEM\\CurrentControlSet\\Control\\FileSystem /v LongPathsEnabled /t
        REG_DWORD /d 1 /f`. Or use a short virtual environment path
        (`C:\\venvs\\proj`) and a short `TEMP` (`$env:TEMP = 'C:\\t'`, `set
        TEMP=C:\\t`). A name part over 255 characters cannot be fixed here: the
        package must change.""",
        prevent="""Keep environments and `TEMP` near the root of a drive, and
        prefer python.org's installer to the Store's Python for development.""",
        links=(_links.WINDOWS_LONG_PATHS, _links.WINDOWS_PYTHON),
    ),
    Explanation(
        id="blocked-by-security-software",
        title="Windows: antivirus blocked a file pip wrote",
        what="""Security software held, blocked or quarantined a file while pip
        was writing or moving it: `[WinError 225]` ("contains a virus or
        potentially unwanted software"), or `[Errno 22] Invalid argument` or
        `[WinError 5]` on pip's own fresh temporary files (`pip-unpack-*`).""",
        why="""Real-time scanning opens each new file; while it does, Windows
        refuses pip's next step on it. A detection, right or false, removes the
        file.""",
        fix="""Run the command again: a scan that held the file is often over.
        See what Microsoft Defender detected with `Get-MpThreatDetection`. If it
        is a false positive, report the file to the vendor. Only if you trust
        the package, exclude that one folder (`Add-MpPreference
        -ExclusionPath`, elevated), and remove the exclusion afterwards.""",
        prevent="""Do not turn real-time protection off, and do not exclude your
        whole profile, %TEMP% or Downloads. Where an organisation manages the
        antivirus, ask it for an exclusion of the build folder.""",
        links=(_links.DEFENDER_HISTORY, _links.DEFENDER_SUBMISSION),
    ),
)

#: Every built-in cause id and its explanation.
CAUSES: dict[str, Explanation] = {cause.id: cause for cause in _CAUSES}


def explain(cause_id: str) -> Optional[str]:
    """The long explanation of ``cause_id`` as text, or None for an unknown id."""
    cause = CAUSES.get(cause_id)
    return cause.text if cause is not None else None


__all__ = ["CAUSES", "Explanation", "explain"]
