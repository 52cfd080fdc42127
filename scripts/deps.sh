#!/bin/sh
# Installs gpuvplan's build dependencies when pkg-config cannot find them, and with --test also
# what the test suite uses (cmocka, tmux for the terminal session tests, python3 with yaml and
# jsonschema to read outputs).
# Does nothing when they are present. Debian/Ubuntu only; elsewhere it says what is missing.
set -u
missing=""
if ! command -v pkg-config >/dev/null 2>&1; then
    missing="pkg-config libyaml-dev"
else
    pkg-config --exists yaml-0.1 || missing="$missing libyaml-dev"
fi
if [ "${1:-}" = "--test" ]; then
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists cmocka; then
        missing="$missing libcmocka-dev"
    fi
    command -v tmux >/dev/null 2>&1 || missing="$missing tmux"
    # The tests run the system interpreter, never one an active virtualenv puts first.
    if [ ! -x /usr/bin/python3 ]; then
        missing="$missing python3 python3-yaml python3-jsonschema"
    else
        /usr/bin/python3 -c 'import yaml' >/dev/null 2>&1 || missing="$missing python3-yaml"
        /usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1 ||
            missing="$missing python3-jsonschema"
    fi
fi
[ -z "$missing" ] && exit 0

echo "deps: missing:$missing" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: no apt-get here; install the packages above (yaml-0.1, cmocka) by hand" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "deps: not root and no sudo; install the packages above by hand" >&2
        exit 1
    fi
fi
echo "deps: installing with apt-get:$missing" >&2
$sudo apt-get update -qq >&2 || exit 1
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >&2 || exit 1
echo "deps: done" >&2
