#!/bin/sh
# Make one real `pip install` fail with "Permission denied" on this machine and
# show what pip-doctor says about it. Safe to run: it only creates and removes
# /tmp/pip-doctor-try-it.
#
# As root: a root-owned virtual environment is made, and the account `nobody`
# tries to install into it (the classic "venv created with sudo" mistake).
# As any other account: the install targets a directory owned by root.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
demo=/tmp/pip-doctor-try-it
python=${PYTHON:-/usr/bin/python3}
rm -rf "$demo"
mkdir -p "$demo/wheels"
chmod 755 "$demo"
"$python" -m venv "$demo/venv"
"$demo/venv/bin/python" -m pip wheel -q --no-deps -w "$demo/wheels" "$here"
"$demo/venv/bin/python" -m pip install -q --no-cache-dir "$demo"/wheels/pip_doctor-*.whl
chmod -R a+rX "$demo"
wheel=$(ls "$demo"/wheels/pip_doctor-*.whl)
echo "\$ pip install --no-deps --force-reinstall $(basename "$wheel")   (as $( [ "$(id -u)" = 0 ] && echo nobody || id -un ))"
status=0
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$demo/home" && chown nobody "$demo/home"
    runuser -u nobody -- env HOME="$demo/home" "$demo/venv/bin/python" -m pip install \
        --no-cache-dir --no-deps --force-reinstall "$wheel" || status=$?
else
    "$demo/venv/bin/python" -m pip install --no-cache-dir --no-deps \
        --target /usr/lib/pip-doctor-try-it "$wheel" || status=$?
fi
echo "(pip exited with status $status)"
rm -rf "$demo"
