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

say "Three simulated nodes: identity in the TCP handshake, policy learned, accepted, enforced"
# Each node is a network namespace on a bridge with its own cgroup v2 subtree and its own agent
# running the eBPF datapath there. Workloads are plain TCP processes (no TLS, no SPIFFE library):
# their identity travels in the SYN and SYN-ACK, added and checked by the kernel.
cg2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts)
[[ -n "$cg2" ]] || { echo "no cgroup v2 mount: skipping the node demo" >&2; exit 0; }
tag="sdemo$$"
cg="$cg2/$tag"
mkdir -p "$cg"
node_pids=()
node_cleanup() {
  for pid in "${node_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${node_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for i in 1 2 3; do ip netns del "${tag}n$i" 2>/dev/null || true; done
  ip link del "${tag}br" 2>/dev/null || true
  find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
}
trap 'node_cleanup; cleanup' EXIT
ip link add "${tag}br" type bridge && ip link set "${tag}br" up
for i in 1 2 3; do
  ip netns add "${tag}n$i"
  ip -n "${tag}n$i" link set lo up
  ip link add "${tag}v$i" type veth peer name eth0 netns "${tag}n$i"
  ip link set "${tag}v$i" master "${tag}br" up
  ip -n "${tag}n$i" addr add "10.197.0.$i/24" dev eth0
  ip -n "${tag}n$i" link set eth0 up
  mkdir -p "$cg/n$i"
done
cp test-harness/src/test/resources/e2e/tcp-workload.pl "$work/tcp-workload.pl"
chmod 755 "$work/tcp-workload.pl"
declare -A node_id
for i in 1 2 3; do
  node_token=$(srv token generate -ttl 600 | awk '/^Token:/ {print $2}')
  node_id[$i]="spiffe://demo.synid.example/spire/agent/join_token/$node_token"
  cat > "$work/node$i.yaml" <<YAML
trustDomain: demo.synid.example
dataDir: $work/node$i/data
server: {address: 127.0.0.1, port: $((port + 1))}
trustBundle: {path: $work/bundle.pem}
nodeAttestor: {joinToken: $node_token}
workloadApi: {socketPath: $work/node$i/public/api.sock}
syncInterval: 1s
handshake:
  cgroup: $cg/n$i
  addresses: [10.197.0.$i/32]
  lifetime: failOpen
audit: {forwardToServer: true}
YAML
  bin/synid-agent run -config "$work/node$i.yaml" >"$work/node$i.out" 2>&1 &
  node_pids+=($!)
done
echo "nodes: n1 10.197.0.1 (web), n2 10.197.0.2 (api), n3 10.197.0.3 (db); an agent on each"
srv entry create -parentID "${node_id[1]}" -spiffeID spiffe://demo.synid.example/shop/web -selector unix:uid:2001 >/dev/null
srv entry create -parentID "${node_id[2]}" -spiffeID spiffe://demo.synid.example/shop/api -selector unix:uid:2002 >/dev/null
srv entry create -parentID "${node_id[3]}" -spiffeID spiffe://demo.synid.example/shop/db -selector unix:uid:2003 >/dev/null
workload() {  # node cgroup-name uid args...: runs the TCP workload in the node's namespace and cgroup
  local i=$1 name=$2 uid=$3; shift 3
  mkdir -p "$cg/n$i/$name"
  sh -c "echo \$\$ > $cg/n$i/$name/cgroup.procs && exec ip netns exec ${tag}n$i setpriv --reuid=$uid --regid=$uid --clear-groups $work/tcp-workload.pl $*"
}
workload 1 web 2001 serve 9000 >/dev/null 2>&1 & node_pids+=($!)
workload 2 api 2002 serve 8080 >/dev/null 2>&1 & node_pids+=($!)
workload 3 db 2003 serve 5432 >/dev/null 2>&1 & node_pids+=($!)
connect() { workload "$1" "$2" "$3" connect "$4" "$5" "${6:-1}" 2 || true; }
# Connect only once every node's datapath holds its workload's identity, and the others' keys and
# bindings have had two sync intervals to arrive: a SYN sent earlier goes out unsigned, is recorded
# as a flow from an unauthenticated address, and the suggested policy would then admit that
# address (the host's process below would get through).
for _ in $(seq 1 120); do
  n=0
  for i in 1 2 3; do
    grep -q '"event":"datapath_updated".*"workloads":1,' "$work/node$i/data/audit.jsonl" 2>/dev/null && n=$((n + 1))
  done
  [[ $n -eq 3 ]] && break
  sleep 0.5
done
sleep 2
for _ in $(seq 1 120); do
  connect 1 web 2001 10.197.0.2 8080 >/dev/null
  grep -q '"event":"connection".*shop/web.*shop/api' "$work/node2/data/audit.jsonl" 2>/dev/null && break
  sleep 0.5
done
grep -m1 '"event":"connection".*shop/web.*shop/api' "$work/node2/data/audit.jsonl" >/dev/null \
  || { tail -5 "$work"/node*.out; echo "the nodes' datapaths did not come up" >&2; exit 1; }

say "Monitor mode: no policy yet; connections pass and are recorded as would-deny"
echo "web -> api:8080  $(connect 1 web 2001 10.197.0.2 8080 3)"
echo "api -> db:5432   $(connect 2 api 2002 10.197.0.3 5432 3)"
echo "The api node's record of one of them (identity from the handshake):"
grep '"event":"connection"' "$work/node2/data/audit.jsonl" | grep shop/web | tail -1 | sed 's/^/    /'
sleep 2
run srv flow show

say "The suggested policy: exactly what was seen"
srv policy suggest -mode enforce | tee "$work/suggestion.txt"
suggestion=$(awk '/policy accept -id/ {print $NF}' "$work/suggestion.txt" | tail -1)
srv policy accept -id "$suggestion" | tee "$work/accepted.txt"
version=$(awk '/^Policy set version:/ {print $NF}' "$work/accepted.txt")
for _ in $(seq 1 60); do
  n=0
  for i in 1 2 3; do
    grep -q "\"event\":\"datapath_updated\".*\"policy_version\":$version," "$work/node$i/data/audit.jsonl" && n=$((n + 1))
  done
  [[ $n -eq 3 ]] && break
  sleep 0.5
done
echo "Policy version $version is in the kernel on all three nodes."

say "Enforcement: allowed paths work, every other path is refused in the kernel"
echo "web -> api:8080  $(connect 1 web 2001 10.197.0.2 8080 2)"
echo "api -> db:5432   $(connect 2 api 2002 10.197.0.3 5432 2)"
echo "web -> db:5432   $(connect 1 web 2001 10.197.0.3 5432 1)   <- refused: web may not talk to db"
echo "db -> api:8080   $(connect 3 db 2003 10.197.0.2 8080 1)   <- refused"
echo "A process without identity (the host) -> api:8080   <- refused: no identity, no rule for its address"
echo "                 $(timeout 10 ip netns exec ${tag}n1 $work/tcp-workload.pl connect 10.197.0.2 8080 1 2 || true)"
sleep 1
echo "The db node's audit record of the refusal:"
grep '"event":"connection"' "$work/node3/data/audit.jsonl" | grep '"verdict":"denied"' | tail -1 | sed 's/^/    /'
echo "And of an allowed connection, with the rule that allowed it:"
grep '"event":"connection"' "$work/node3/data/audit.jsonl" | grep '"reason":"policy:' | tail -1 | sed 's/^/    /'
run srv flow show

say "Done"
echo "Everything above ran on this machine: a SPIFFE authority, agents, kernel-enforced identity."
