#!/usr/bin/env bash
# End-to-end smoke test of the interop tooling against real SPIRE v1.15.3:
# builds (or reuses) spire-server, spire-agent and go-validator, starts a
# server and an agent on 127.0.0.1 in a temporary directory, and checks that
# go-validator accepts what SPIRE produces (bundle, minted X509-/JWT-SVIDs,
# Workload API SVIDs) and rejects a wrong trust domain.
#
# Usage: scripts/spire-interop-smoke.sh
# Env:   SPIRE_SMOKE_KEEP=1  keep the temporary directory (configs, logs)
#        SPIRE_SMOKE_PORT=N  server port (default: a free port in 20000-39999)
# Everything started here is stopped on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
conf_dir="$(cd "$here/../interop/spire/conf" && pwd)"
TD=example.org

spire_dir="$("$here/build-spire.sh")"
V="$("$here/build-go-validator.sh")"
SERVER="$spire_dir/spire-server"
AGENT="$spire_dir/spire-agent"

work="$(mktemp -d /tmp/synid-spire.XXXXXX)"   # short path: UNIX socket limit
server_pid="" agent_pid=""
cleanup() {
    [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    if [ "${SPIRE_SMOKE_KEEP:-0}" = 1 ]; then
        echo "smoke: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

passed=0 failed=0
ok()   { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT="${SPIRE_SMOKE_PORT:-}"
if [ -z "$PORT" ]; then
    for _ in $(seq 1 50); do
        PORT=$((20000 + RANDOM % 20000))
        port_free "$PORT" && break
    done
fi

render() { # template output key=value...
    local tmpl="$1" out="$2"; shift 2
    local args=()
    for kv in "$@"; do args+=(-e "s#@${kv%%=*}@#${kv#*=}#g"); done
    sed "${args[@]}" "$tmpl" > "$out"
    if grep -q '@[A-Z_]*@' "$out"; then
        echo "smoke: unsubstituted placeholder in $out" >&2; exit 1
    fi
}

mkdir -p "$work/server" "$work/agent"
SSOCK="$work/server.sock"
ASOCK="$work/agent.sock"
S=(-socketPath "$SSOCK")

render "$conf_dir/server.conf.tmpl" "$work/server.conf" \
    TRUST_DOMAIN=$TD DATA_DIR="$work/server" PORT="$PORT" SOCKET="$SSOCK"
"$SERVER" run -config "$work/server.conf" > "$work/server.log" 2>&1 &
server_pid=$!

healthy=0
for _ in $(seq 1 60); do
    if "$SERVER" healthcheck "${S[@]}" >/dev/null 2>&1; then healthy=1; break; fi
    sleep 0.5
done
[ "$healthy" = 1 ] && ok "spire-server healthy on 127.0.0.1:$PORT" || { fail "spire-server not healthy"; tail -20 "$work/server.log"; exit 1; }

"$SERVER" token generate "${S[@]}" -spiffeID "spiffe://$TD/host" > "$work/token.out"
TOKEN="$(awk '/^Token:/ {print $2}' "$work/token.out")"
[ -n "$TOKEN" ] && ok "token generate" || fail "token generate: $(cat "$work/token.out")"

"$SERVER" bundle show "${S[@]}" > "$work/bundle.pem"
"$SERVER" bundle show "${S[@]}" -format spiffe > "$work/bundle.json"

render "$conf_dir/agent.conf.tmpl" "$work/agent.conf" \
    TRUST_DOMAIN=$TD DATA_DIR="$work/agent" SERVER_PORT="$PORT" SOCKET="$ASOCK" TRUST_BUNDLE="$work/bundle.pem"
"$AGENT" run -config "$work/agent.conf" -joinToken "$TOKEN" > "$work/agent.log" 2>&1 &
agent_pid=$!

healthy=0
for _ in $(seq 1 60); do
    if "$AGENT" healthcheck -socketPath "$ASOCK" >/dev/null 2>&1; then healthy=1; break; fi
    sleep 0.5
done
[ "$healthy" = 1 ] && ok "spire-agent healthy" || { fail "spire-agent not healthy"; tail -20 "$work/agent.log"; exit 1; }

"$SERVER" entry create "${S[@]}" -parentID "spiffe://$TD/host" -spiffeID "spiffe://$TD/w" \
    -selector "unix:uid:$(id -u)" > "$work/entry.out" && ok "entry create" || fail "entry create"

fetched=0
for _ in $(seq 1 30); do
    if "$AGENT" api fetch x509 -socketPath "$ASOCK" > "$work/fetch.out" 2>&1; then fetched=1; break; fi
    sleep 1
done
[ "$fetched" = 1 ] && grep -q "spiffe://$TD/w" "$work/fetch.out" \
    && ok "spire-agent api fetch x509" || fail "spire-agent api fetch x509: $(cat "$work/fetch.out")"

# check NAME EXPECTED_RC EXPECTED_SUBSTRING -- go-validator args...
check() {
    local name="$1" want_rc="$2" want="$3"; shift 4
    local out rc=0
    out="$("$V" "$@" 2>/dev/null)" || rc=$?
    if [ "$rc" = "$want_rc" ] && [[ "$out" == *"$want"* ]]; then
        ok "$name: $out"
    else
        fail "$name: rc=$rc (want $want_rc) out=$out (want *$want*)"
    fi
}

check "validator bundle" 0 '"x509_authorities":1,"jwt_authorities":1' -- \
    bundle -td $TD -bundle "$work/bundle.json"

mkdir -p "$work/mint"
"$SERVER" x509 mint "${S[@]}" -spiffeID "spiffe://$TD/x" -write "$work/mint" > /dev/null
check "validator x509 (spiffe bundle)" 0 "\"spiffe_id\":\"spiffe://$TD/x\",\"chains\":1" -- \
    x509 -bundle "$work/bundle.json" -td $TD -svid "$work/mint/svid.pem"
check "validator x509 (pem bundle)" 0 "\"spiffe_id\":\"spiffe://$TD/x\"" -- \
    x509 -bundle "$work/mint/bundle.pem" -bundle-format pem -td $TD -svid "$work/mint/svid.pem"
check "validator x509 wrong trust domain" 1 '"error"' -- \
    x509 -bundle "$work/bundle.json" -td other.org -svid "$work/mint/svid.pem"

"$SERVER" jwt mint "${S[@]}" -spiffeID "spiffe://$TD/x" -audience a > "$work/jwt.token"
check "validator jwt" 0 "\"spiffe_id\":\"spiffe://$TD/x\",\"audience\":[\"a\"]" -- \
    jwt -bundle "$work/bundle.json" -td $TD -token "$work/jwt.token" -audience a
check "validator jwt wrong audience" 1 '"error"' -- \
    jwt -bundle "$work/bundle.json" -td $TD -token "$work/jwt.token" -audience b

check "validator workload x509" 0 "\"spiffe_id\":\"spiffe://$TD/w\"" -- \
    workload x509 -socket "unix://$ASOCK" -timeout 20s
check "validator workload jwt" 0 "\"spiffe_id\":\"spiffe://$TD/w\"" -- \
    workload jwt -socket "unix://$ASOCK" -audience a -timeout 20s
check "validator usage error" 2 '"usage":true' -- x509 -td $TD

echo "smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
