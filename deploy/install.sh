#!/bin/sh
# Installs OutcomeBot from a source tree into its own virtualenv, and prepares the state folder.
# The Dockerfile's only build step; tests/test_deploy_files.py runs it in a fresh venv, and it
# works the same on a plain host (see docs/deploy.md):
#
#   deploy/install.sh SOURCE_DIR VENV_DIR [STATE_DIR [OWNER_UID]]
#
# STATE_DIR (created if missing) holds app.yaml and, on SQLite, the database; when run as root
# it is handed to OWNER_UID (default 65532, the image's unprivileged user).
set -eu

source_dir=${1:?usage: install.sh SOURCE_DIR VENV_DIR [STATE_DIR [OWNER_UID]]}
venv_dir=${2:?usage: install.sh SOURCE_DIR VENV_DIR [STATE_DIR [OWNER_UID]]}
state_dir=${3:-}
owner=${4:-65532}
python=${PYTHON:-python3}

"$python" -m venv "$venv_dir"
"$venv_dir/bin/pip" install --no-cache-dir --disable-pip-version-check --quiet "$source_dir"
# Fail the build now, not at the first start, if the package or its migrations are incomplete.
"$venv_dir/bin/outcomebot" --help >/dev/null
"$venv_dir/bin/python" -c "from storage.migrate import current_heads; assert current_heads(), 'no migrations installed'"

if [ -n "$state_dir" ]; then
    mkdir -p "$state_dir"
    if [ "$(id -u)" = 0 ]; then
        chown "$owner:$owner" "$state_dir"
    fi
    chmod 0750 "$state_dir"
fi
echo "OutcomeBot installed in $venv_dir"
