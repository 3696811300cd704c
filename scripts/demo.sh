#!/usr/bin/env bash
# The main job: a running identity server and what it issues, on the embedded defaults.
# On a fresh Debian machine, as root:  scripts/demo.sh
#
# Starts synid-server on SQLite in a temporary directory, generates a join token, creates
# registration entries with the CLI (and applies an entry file twice: the second run changes
# nothing), mints an X509-SVID and a JWT-SVID, prints them decoded and verified against the trust
# bundle by go-spiffe (an independent validator), and shows the audit records. Then a Synid agent
# attests with the join token, two workloads under different uids fetch their own SVIDs from its
# Workload API and talk mTLS (go-spiffe), each authorizing the other's SPIFFE ID.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PATH="$PATH:/usr/local/go/bin"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }

scripts/setup.sh --demo
say "Building (Maven Wrapper)"
./mvnw -q -B -ntp -DskipTests package -pl identity-server,agent -am
validator=""
if command -v go >/dev/null 2>&1; then
  validator=$(scripts/build-go-validator.sh 2>/dev/null | tail -1) || validator=""
fi

work=$(mktemp -d /tmp/synid-demo.XXXXXX)
socket="$work/admin/api.sock"
server_pid=""
agent_pid=""
serve_pid=""
cleanup() {
  for pid in $serve_pid $agent_pid $server_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

port=$(( 20000 + RANDOM % 20000 ))
cat > "$work/server.yaml" <<YAML
trustDomain: demo.synid.example
dataDir: $work/data
adminSocketPath: $socket
agentApi: {bindAddress: 127.0.0.1, port: $((port + 1))}
server:
  type: simple
  applicationContextPath: /application
  adminContextPath: /
  connector: {type: http, bindHost: 127.0.0.1, port: $port}
logging:
  level: WARN
  appenders: [{type: file, currentLogFilename: $work/server.log, archive: false, layout: {type: json}}]
YAML

say "Starting the identity server (SQLite store in $work/data)"
bin/synid-server run -config "$work/server.yaml" >"$work/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  bin/synid-server healthcheck -socketPath "$socket" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.out"; echo "server failed to start" >&2; exit 1; }
  sleep 0.5
done
srv() { bin/synid-server "$@" -socketPath "$socket"; }
run bin/synid-server healthcheck -socketPath "$socket"

say "A join token for a node (and its node-alias entry)"
token_line=$(srv token generate -spiffeID spiffe://demo.synid.example/node/web-1 -ttl 3600)
echo "$token_line"
token=$(echo "$token_line" | awk '{print $2}')

say "Registration entries"
run srv entry create -parentID spiffe://demo.synid.example/node/web-1 \
  -spiffeID spiffe://demo.synid.example/web -selector unix:uid:1000 -dns web.demo.synid.example -x509SVIDTTL 600
run srv entry create -parentID spiffe://demo.synid.example/node/web-1 \
  -spiffeID spiffe://demo.synid.example/db -selector unix:uid:1001 -selector unix:gid:1001
echo "Creating the same entry again is refused, as with SPIRE:"
srv entry create -parentID spiffe://demo.synid.example/node/web-1 \
  -spiffeID spiffe://demo.synid.example/db -selector unix:gid:1001 -selector unix:uid:1001 || true

cat > "$work/entries.json" <<JSON
{"entries": [
  {"spiffe_id": "spiffe://demo.synid.example/api", "parent_id": "spiffe://demo.synid.example/node/web-1",
   "selectors": [{"type": "unix", "value": "uid:1002"}], "hint": "api"},
  {"spiffe_id": "spiffe://demo.synid.example/batch", "parent_id": "spiffe://demo.synid.example/node/web-1",
   "selectors": [{"type": "unix", "value": "uid:1003"}], "x509_svid_ttl": 300}
]}
JSON
say "entry apply: the first run creates, the second changes nothing"
run srv entry apply -data "$work/entries.json"
run srv entry apply -data "$work/entries.json"

say "Entries whose selectors are a subset of {unix:uid:1001, unix:gid:1001, unix:uid:1002}"
run srv entry show -selector unix:uid:1001 -selector unix:gid:1001 -selector unix:uid:1002 -matchSelectorsOn subset
run srv entry count

say "The trust bundle (SPIFFE format)"
srv bundle show -format spiffe | tee "$work/bundle.json"
srv bundle show -format pem > "$work/bundle.pem"

say "Minting an X509-SVID for spiffe://demo.synid.example/web"
mkdir -p "$work/x509"
run srv x509 mint -spiffeID spiffe://demo.synid.example/web -dns web.demo.synid.example -ttl 10m -write "$work/x509"
echo "Decoded leaf certificate:"
openssl x509 -in "$work/x509/svid.pem" -noout -subject -issuer -dates -ext subjectAltName,keyUsage,extendedKeyUsage,basicConstraints \
  | sed 's/^/    /'
echo "Chain verified against the bundle:"
if [[ -n "$validator" ]]; then
  run "$validator" x509 -bundle "$work/bundle.json" -td demo.synid.example -svid "$work/x509/svid.pem"
else
  run openssl verify -CAfile "$work/bundle.pem" "$work/x509/svid.pem"
fi

say "Minting a JWT-SVID for spiffe://demo.synid.example/web, audience orders"
srv jwt mint -spiffeID spiffe://demo.synid.example/web -audience orders -ttl 5m | tr -d '\n' > "$work/jwt.token"
echo "Token: $(cut -c1-60 "$work/jwt.token")..."
b64() { local s=$1; s=${s//-/+}; s=${s//_//}; while (( ${#s} % 4 )); do s+="="; done; echo "$s" | base64 -d; }
echo "Header:  $(b64 "$(cut -d. -f1 "$work/jwt.token")")"
echo "Claims:  $(b64 "$(cut -d. -f2 "$work/jwt.token")")"
if [[ -n "$validator" ]]; then
  echo "Signature verified against the bundle:"
  run "$validator" jwt -bundle "$work/bundle.json" -td demo.synid.example -token "$work/jwt.token" -audience orders
fi

say "Bad input gets a precise error and changes nothing"
srv entry create -parentID spiffe://demo.synid.example/node/web-1 -spiffeID spiffe://other.example/x -selector unix:uid:1 || true
srv entry create -parentID spiffe://demo.synid.example/node/web-1 -spiffeID spiffe://demo.synid.example/a/../b -selector unix:uid:1 || true
run srv entry count

say "Audit records (one per admin API call, including refused ones)"
tail -n 5 "$work/data/audit.jsonl"
echo "... $(wc -l < "$work/data/audit.jsonl") records in $work/data/audit.jsonl"

say "A Synid agent beside the server: join-token attestation, Workload API on a Unix socket"
# The workloads run under other uids: the agent's jar and the socket directory must be reachable.
chmod 755 "$work"
cp agent/target/synid-agent.jar "$work/synid-agent.jar"
[[ -n "$validator" ]] && cp "$validator" "$work/go-validator" && chmod 755 "$work/go-validator"
agent_socket="$work/agent/public/api.sock"
cat > "$work/agent.yaml" <<YAML
trustDomain: demo.synid.example
dataDir: $work/agent/data
server: {address: 127.0.0.1, port: $((port + 1))}
trustBundle: {path: $work/bundle.pem}
nodeAttestor: {joinToken: $token}
workloadApi: {socketPath: $agent_socket}
syncInterval: 1s
YAML
run bin/synid-agent validate -config "$work/agent.yaml"
bin/synid-agent run -config "$work/agent.yaml" >"$work/agent.out" 2>&1 &
agent_pid=$!
as_uid() { local uid=$1; shift; setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"; }
agent_cli() { local uid=$1; shift; as_uid "$uid" java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -jar "$work/synid-agent.jar" "$@" -socketPath "$agent_socket"; }
for _ in $(seq 1 60); do
  agent_cli 1001 api fetch x509 >/dev/null 2>&1 && break
  kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.out"; echo "agent failed to start" >&2; exit 1; }
  sleep 0.5
done
grep "node attested" "$work/agent.out" | sed 's/^INFO: /    /'
echo "The agent's identity is the token's; entries under spiffe://demo.synid.example/node/web-1 reach it"
echo "through the node-alias entry that 'token generate -spiffeID' created."

say "Two workloads under different uids ask the agent who they are"
echo "uid 1001 (entry: unix:uid:1001 + unix:gid:1001 -> /db):"
agent_cli 1001 api fetch x509 | sed 's/^/    /'
echo "uid 1002 (entry: unix:uid:1002 -> /api):"
agent_cli 1002 api fetch x509 | sed 's/^/    /'
echo "uid 1004 has no entry:"
agent_cli 1004 api fetch x509 2>&1 | sed 's/^/    /' || true

if [[ -n "$validator" ]]; then
  say "They talk mTLS with go-spiffe, each authorizing the other's SPIFFE ID"
  mtls_port=$((port + 2))
  as_uid 1001 "$work/go-validator" workload serve -socket "unix://$agent_socket" \
    -listen "127.0.0.1:$mtls_port" -authorize spiffe://demo.synid.example/api -count 3 \
    >"$work/serve.out" 2>"$work/serve.err" &
  serve_pid=$!
  for _ in $(seq 1 60); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.5; done
  echo "db (uid 1001) listening: $(head -1 "$work/serve.out")"
  echo "api (uid 1002) dials db, accepting only spiffe://demo.synid.example/db:"
  as_uid 1002 "$work/go-validator" workload dial -socket "unix://$agent_socket" \
    -addr "127.0.0.1:$mtls_port" -authorize spiffe://demo.synid.example/db -count 2 2>/dev/null | sed 's/^/    /'
  echo "The same client expecting another server ID refuses db:"
  as_uid 1002 "$work/go-validator" workload dial -socket "unix://$agent_socket" \
    -addr "127.0.0.1:$mtls_port" -authorize spiffe://demo.synid.example/web -count 1 2>/dev/null | sed 's/^/    /' || true
  kill "$serve_pid" 2>/dev/null || true
else
  echo "(Go is not installed: skipping the go-spiffe mTLS workloads; scripts/test.sh installs them.)"
fi

say "Agent audit records (every SVID handed to a workload: pid, executable, uid, selectors, serial)"
grep '"workload_svid"' "$work/agent/data/audit.jsonl" | tail -n 4
echo "... $(wc -l < "$work/agent/data/audit.jsonl") records in $work/agent/data/audit.jsonl"

say "Done"
echo "Next: the handshake datapath and the policy engine join this demo (identity in the TCP handshake)."
