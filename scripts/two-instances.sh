#!/usr/bin/env bash
# What docker-compose.yml runs, without containers: two OpenIndent instances sharing one PostgreSQL
# database, with the settings of deploy/openindent.env. For trying the layout on one machine and for
# its test (test/two-instances-script.test.ts); a proxy in front is left to you (deploy/nginx.conf).
#
#   DATABASE_URL=postgres://user@host:5432/db scripts/two-instances.sh
#
# OPENINDENT_PORTS="4101 4102" picks the ports (0 picks free ones); the instances' output goes to
# OPENINDENT_LOG_DIR (a new temp folder by default). Stops both on Ctrl-C or SIGTERM.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
set -a
# shellcheck source=../deploy/openindent.env
. "$root/deploy/openindent.env"
set +a
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database the instances share}"
read -r -a ports <<<"${OPENINDENT_PORTS:-4101 4102}"
logs=${OPENINDENT_LOG_DIR:-$(mktemp -d)}
cli=(node "$root/packages/server/bin/openindent.js")

pids=()
stop() {
  trap - EXIT INT TERM
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

# Once, before either starts (each would also migrate, under a lock).
"${cli[@]}" migrate >/dev/null

for n in 1 2; do
  out="$logs/instance-$n.out"
  PORT=${ports[$((n - 1))]} "${cli[@]}" serve >"$out" 2>"$logs/instance-$n.log" &
  pids+=("$!")
  for _ in $(seq 1 300); do
    grep -q '^OpenIndent listening on ' "$out" && break
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  url=$(sed -n 's/^OpenIndent listening on //p' "$out")
  if [[ -z "$url" ]]; then
    echo "instance $n did not start:" >&2
    cat "$logs/instance-$n.log" >&2
    exit 1
  fi
  # Ready: the database answers and the instance hears the other's changes.
  node -e "
    const deadline = Date.now() + 30000
    const poll = () => fetch('$url/readyz').then((r) => r.ok, () => false).then((ok) =>
      ok ? process.exit(0) : Date.now() > deadline ? process.exit(1) : setTimeout(poll, 200))
    poll()" || { echo "instance $n is not ready at $url/readyz" >&2; exit 1; }
  echo "instance $n: $url"
done

# The first start of a new database prints the first token: pass it on.
sed -n 's/^ *\(export INDENT_API_TOKEN=.*\)$/\1/p' "$logs/instance-1.out" "$logs/instance-2.out"
echo "ready (logs in $logs)"
wait
