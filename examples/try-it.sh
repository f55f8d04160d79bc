#!/bin/sh
# Make one real `pip install` fail with "Permission denied" on this machine and
# show what pip-doctor says about it. Safe to run: it only creates and removes
# /tmp/pip-doctor-try-it-UID.
#
# As root: a root-owned virtual environment is made, and the account `nobody`
# tries to install into it (the classic "venv created with sudo" mistake).
# As any other account: the install targets a directory owned by root.
#
# PYTHON=...             the Python that makes the demo's venv (/usr/bin/python3)
# PIP_DOCTOR_WHEEL=...   install this wheel of pip-doctor instead of building one
# PIP_DOCTOR_TIMEOUT=... the diagnosis's deadline inside pip; the demo gives it
#                        5 seconds (pip's default is 0.5) so that a busy machine
#                        still shows it
#
# The two demo runs ignore your pip configuration (PIP_CONFIG_FILE=/dev/null,
# no PIP_* variable): the command shown is all that pip is told.
set -eu
demo=/tmp/pip-doctor-try-it-$(id -u)
# One run at a time per account: a second one waits instead of removing the
# first one's files.
if [ -z "${PIP_DOCTOR_TRY_IT_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
    PIP_DOCTOR_TRY_IT_LOCKED=1 exec flock "$demo.lock" sh "$0" "$@"
fi
here=$(cd "$(dirname "$0")/.." && pwd)
trap 'rm -rf "$demo"' EXIT
python=${PYTHON:-/usr/bin/python3}
rm -rf "$demo"
mkdir -p "$demo/wheels"
chmod 755 "$demo"
"$python" -m venv "$demo/venv"
if [ -n "${PIP_DOCTOR_WHEEL:-}" ]; then
    cp "$PIP_DOCTOR_WHEEL" "$demo/wheels/"
else
    "$demo/venv/bin/python" -m pip wheel -q --no-deps -w "$demo/wheels" "$here"
fi
"$demo/venv/bin/python" -m pip install -q --no-cache-dir "$demo"/wheels/pip_doctor-*.whl
chmod -R a+rX "$demo"
wheel=$(ls "$demo"/wheels/pip_doctor-*.whl)
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$demo/home" && chown nobody "$demo/home"
    who=nobody
    home="$demo/home"
    run() { runuser -u nobody -- "$@"; }
    where=""
else
    who=$(id -un)
    home=$HOME
    run() { "$@"; }
    where="--target /usr/lib/pip-doctor-try-it"
fi
# The command both runs use, shown exactly as it runs.
# shellcheck disable=SC2086  # $where is empty or two words
set -- "$demo/venv/bin/python" -m pip install --no-cache-dir --no-deps --force-reinstall \
    $where "$wheel"
for mode in "pip alone (PIP_DOCTOR_DISABLE=1)" "with pip-doctor"; do
    echo
    echo "=== $mode, as $who"
    echo "\$ $*"
    disable=0
    [ "$mode" = "with pip-doctor" ] || disable=1
    status=0
    # The demo's pip is not that of an environment activated in this shell:
    # VIRTUAL_ENV and CONDA_PREFIX are left out, as for anyone running
    # venv/bin/python directly; PATH stays as it is.
    run env -i PATH="$PATH" HOME="$home" LANG=C.UTF-8 SHELL="${SHELL:-/bin/sh}" \
        PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 \
        PIP_DOCTOR_TIMEOUT="${PIP_DOCTOR_TIMEOUT:-5}" PIP_DOCTOR_DISABLE=$disable \
        "$@" 2>&1 || status=$?
    echo "(pip exited with status $status)"
done
