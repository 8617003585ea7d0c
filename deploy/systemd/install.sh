#!/usr/bin/env bash
# Installs kaoping for one township on a Debian/Ubuntu host with systemd, from this
# checkout. Run as root from the repository root:  sudo deploy/systemd/install.sh
# Idempotent: running it again upgrades the code and keeps data, config and tokens.
set -euo pipefail
cd "$(dirname "$0")/../.."
PREFIX=/opt/kaoping

command -v python3 >/dev/null || { echo "python3 (3.11 or 3.12) is required" >&2; exit 1; }
if ! dpkg -s gcc python3-dev python3-venv >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq gcc python3-dev python3-venv   # durable-rules builds from source
fi
id kaoping >/dev/null 2>&1 || useradd --system --home-dir /var/lib/kaoping --shell /usr/sbin/nologin kaoping

install -d -m 0755 "$PREFIX"
[ -d "$PREFIX/venv" ] || python3 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install --quiet --upgrade pip
"$PREFIX/venv/bin/pip" install --quiet .                     # kaoping-server and kaoping
rm -rf "$PREFIX/deploy" && cp -r deploy "$PREFIX/deploy"     # this README and the unit files

install -d -m 0750 -g kaoping /etc/kaoping /etc/kaoping/rules /etc/kaoping/tls
[ -f /etc/kaoping/kaoping.env ] || install -m 0640 -g kaoping deploy/systemd/kaoping.env /etc/kaoping/kaoping.env
[ -f /etc/kaoping/rules/township.yaml ] || install -m 0640 -g kaoping rules/township-sample.yaml /etc/kaoping/rules/township.yaml
install -d -m 0750 -o kaoping -g kaoping /var/lib/kaoping /var/log/kaoping /var/backups/kaoping
install -m 0644 deploy/systemd/kaoping.service deploy/systemd/kaoping-backup.service \
  deploy/systemd/kaoping-backup.timer /etc/systemd/system/
install -m 0644 deploy/systemd/kaoping.logrotate /etc/logrotate.d/kaoping

# Schema migrations run at server start as well; running them here makes an upgrade
# fail before the old server is stopped rather than after.
if [ -f /var/lib/kaoping/kaoping.db ]; then
  runuser -u kaoping -- "$PREFIX/venv/bin/kaoping-server" backup --db sqlite:////var/lib/kaoping/kaoping.db \
    --to-dir /var/backups/kaoping
  runuser -u kaoping -- "$PREFIX/venv/bin/python" -m kaoping.ops.migrate sqlite:////var/lib/kaoping/kaoping.db
fi

systemctl daemon-reload
systemctl enable --now kaoping-backup.timer
if [ ! -f /etc/kaoping/tls/server.crt ]; then
  echo "Put the server certificate and key in /etc/kaoping/tls/server.crt and server.key"
  echo "(readable by group kaoping), or edit KAOPING_TLS_ARGS in /etc/kaoping/kaoping.env;"
  echo "then: systemctl enable --now kaoping"
else
  systemctl enable kaoping && systemctl restart kaoping
fi
echo "First admin token: runuser -u kaoping -- $PREFIX/venv/bin/kaoping-server tokens \\"
echo "  --db sqlite:////var/lib/kaoping/kaoping.db create --name 'township office' --role admin"
