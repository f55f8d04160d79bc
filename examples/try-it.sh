#!/bin/sh
# Make one real `pip install` fail with "Permission denied" on this machine and
# show what pip-doctor says about it. Safe to run: it only creates and removes
# /tmp/pip-doctor-try-it-UID.
#
# As root: a root-owned virtual environment is made, and the account `nobody`
# tries to install into it (the classic "venv created with sudo" mistake).
# As any other account: the install targets a directory owned by root.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
demo=/tmp/pip-doctor-try-it-$(id -u)
trap 'rm -rf "$demo"' EXIT
python=${PYTHON:-/usr/bin/python3}
rm -rf "$demo"
mkdir -p "$demo/wheels"
chmod 755 "$demo"
"$python" -m venv "$demo/venv"
"$demo/venv/bin/python" -m pip wheel -q --no-deps -w "$demo/wheels" "$here"
"$demo/venv/bin/python" -m pip install -q --no-cache-dir "$demo"/wheels/pip_doctor-*.whl
chmod -R a+rX "$demo"
wheel=$(ls "$demo"/wheels/pip_doctor-*.whl)
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$demo/home" && chown nobody "$demo/home"
    who=nobody
    run() { runuser -u nobody -- env HOME="$demo/home" "$@"; }
    where=""
else
    who=$(id -un)
    run() { "$@"; }
    where="--target /usr/lib/pip-doctor-try-it"
fi
for mode in "pip alone (PIP_DOCTOR_DISABLE=1)" "with pip-doctor"; do
    echo
    echo "=== $mode, as $who: pip install --no-deps --force-reinstall $(basename "$wheel")"
    disable=0
    [ "$mode" = "with pip-doctor" ] || disable=1
    status=0
    # The demo's pip is not that of an environment activated in this shell:
    # VIRTUAL_ENV and CONDA_PREFIX are left out, as for anyone running
    # venv/bin/python directly.
    # shellcheck disable=SC2086  # $where is empty or two words
    run env -u VIRTUAL_ENV -u CONDA_PREFIX PIP_DOCTOR_DISABLE=$disable \
        "$demo/venv/bin/python" -m pip install \
        --no-cache-dir --no-deps --force-reinstall $where "$wheel" || status=$?
    echo "(pip exited with status $status)"
done
