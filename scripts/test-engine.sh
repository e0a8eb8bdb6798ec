#!/usr/bin/env bash
# Makes sure the real parts the tests need are up: a Docker engine at DOCKER_HOST, the local
# test image berth-test/busybox:latest, an htpasswd-protected registry on 127.0.0.1:5001 (deletes
# enabled), an anonymous one on 127.0.0.1:5002 (deletes disabled) and one on 127.0.0.1:5003 with
# token auth, whose issuer (realm 127.0.0.1:5004) the tests start: test/support/token-issuer.ts
# signs with the key this script makes (openssl) and the registry trusts its certificate; and a
# second engine behind TLS (--tlsverify on tcp://10.231.0.2:2376) in its own network namespace,
# also reached over ssh (ssh://berth-ssh@10.231.0.2: an sshd in that namespace, host key pinned).
# Reuses whatever already runs; on Debian as root it installs and starts what is missing.
# `bash scripts/test-engine.sh stop-tls` stops the TLS engine alone (never the first one); a plain run starts it again.
# `bash scripts/test-engine.sh down` removes the second engine (sshd, TLS dockerd by its pid file, namespace and veth),
# keeping its data root (swarm, image) for the next start; never the first engine, its docker0 or the registries.
# `down --unless-in-use` (the e2e teardown) keeps it while another e2e run holds a lease in $STATE_DIR/e2e-runs.
# Never skips: where it cannot provide something it fails with one line saying what to do.
set -euo pipefail

STATE_DIR=${BERTH_TEST_STATE_DIR:-/var/lib/berth-test}
TEST_IMAGE=berth-test/busybox:latest
REGISTRY_ADDR=${BERTH_TEST_REGISTRY_ADDR:-127.0.0.1:5001}
OPEN_REGISTRY_ADDR=${BERTH_TEST_OPEN_REGISTRY_ADDR:-127.0.0.1:5002}
TOKEN_REGISTRY_ADDR=${BERTH_TEST_TOKEN_REGISTRY_ADDR:-127.0.0.1:5003}
TOKEN_REALM=${BERTH_TEST_TOKEN_REALM:-http://127.0.0.1:5004/token}
REGISTRY_ENV="$STATE_DIR/registry.env"   # the credentials the tests read
# The TLS engine: its own network namespace, data root, exec root and pid file; its address and
# certificate directories (DOCKER_CERT_PATH layouts) are written to $TLS_ENV for the tests.
TLS_NETNS=berth-tls
TLS_HOST_ADDR=10.231.0.1
TLS_ENGINE_ADDR=10.231.0.2
TLS_ENGINE_URL=tcp://$TLS_ENGINE_ADDR:2376
TLS_DIR="$STATE_DIR/tls"
TLS_ENV="$STATE_DIR/tls-engine.env"
TLS_PIDFILE=/var/run/berth-tls.pid
TLS_DATA_ROOT=/var/lib/berth-tls/docker
TLS_EXEC_ROOT=/var/run/berth-tls
# Its unix socket too, which the ssh user's docker CLI dials (docker system dial-stdio).
TLS_SOCKET=/var/run/berth-tls.sock
# The ssh host: an sshd in the TLS engine's namespace on $TLS_ENGINE_ADDR:22 whose user's docker reaches that
# engine; its keys (host, client, and a wrong one of each for the failure tests) in $SSH_DIR, details in $SSH_ENV.
SSH_DIR="$STATE_DIR/ssh"
SSH_ENV="$STATE_DIR/ssh-engine.env"
SSH_USER=berth-ssh
# One file per e2e run that uses the second engine, named by its pid (test/support/global-setup.ts).
E2E_RUNS="$STATE_DIR/e2e-runs"
log() { echo "test-engine: $*" >&2; }
die() { echo "test-engine: $*" >&2; exit 1; }

engine_answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# wait_until SECONDS COMMAND...: polls twice a second until the command succeeds.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  [ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || missing+=(busybox-static)
  command -v htpasswd >/dev/null || missing+=(apache2-utils)
  command -v curl >/dev/null || missing+=(curl)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v nsenter >/dev/null || missing+=(util-linux)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v ssh >/dev/null || missing+=(openssh-client)
  # The browser test (test/browser.e2e.ts) drives Debian's chromium headless through playwright-core.
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ ${#missing[@]} -eq 0 ] && return 0
  can_install || die "missing ${missing[*]}: install them (Debian: apt-get install -y ${missing[*]}) or point DOCKER_HOST at a running engine"
  log "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

start_engine() {
  if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != unix:///var/run/docker.sock ]; then
    die "no Docker engine answers at DOCKER_HOST=$DOCKER_HOST; start it, or unset DOCKER_HOST to use a local one"
  fi
  can_install || die "no Docker engine answers at /var/run/docker.sock; start one (dockerd) or set DOCKER_HOST"
  # A dockerd that was killed leaves its pid file behind and the next one refuses to start. After a
  # reboot its pid may belong to another process (CI failed so once), so only a live dockerd keeps it.
  pid_running /var/run/docker.pid dockerd || rm -f /var/run/docker.pid
  pid_running /run/containerd/containerd.pid containerd || rm -f /run/containerd/containerd.pid
  # dockerd's own containerd: dockerd takes a live pid there for it, fails to reach it and kills that pid.
  pid_running /var/run/docker/containerd/containerd.pid containerd || rm -f /var/run/docker/containerd/containerd.pid
  mkdir -p "$STATE_DIR"
  log "starting dockerd (log: $STATE_DIR/dockerd.log)"
  setsid nohup dockerd >>"$STATE_DIR/dockerd.log" 2>&1 </dev/null &
  wait_until 60 engine_answers && return 0
  tail -n 20 "$STATE_DIR/dockerd.log" >&2 || true
  die "dockerd did not answer within 60 s; see $STATE_DIR/dockerd.log"
}

build_test_image() {
  make_test_image
  # The OpenAPI create example runs busybox:latest; here it is the test image (nothing can be pulled).
  docker image inspect busybox:latest >/dev/null 2>&1 || docker tag "$TEST_IMAGE" busybox:latest
}

make_test_image() {
  docker image inspect "$TEST_IMAGE" >/dev/null 2>&1 && return 0
  local busybox rootfs
  busybox=$(command -v busybox) || die "busybox is missing: apt-get install -y busybox-static"
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs"/{bin,usr/bin,etc,tmp,var/www,root,proc,sys,dev}
  cp "$busybox" "$rootfs/usr/bin/busybox"
  for applet in $("$busybox" --list); do
    [ -e "$rootfs/usr/bin/$applet" ] || ln -s busybox "$rootfs/usr/bin/$applet"
    [ -e "$rootfs/bin/$applet" ] || ln -s ../usr/bin/busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  echo 'hello from berth-test' >"$rootfs/var/www/index.html"
  chmod 1777 "$rootfs/tmp"
  log "importing $TEST_IMAGE"
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/bin:/bin' --change 'CMD ["sh"]' - "$TEST_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

# serve_registry NAME ADDR CHECK: runs docker-registry with $STATE_DIR/NAME/config.yml (log NAME.log,
# pid NAME.pid) and waits until CHECK answers; fails with the log's tail when it does not.
serve_registry() {
  local name=$1 addr=$2 check=$3
  log "starting docker-registry on $addr (log: $STATE_DIR/$name.log)"
  setsid nohup docker-registry serve "$STATE_DIR/$name/config.yml" >>"$STATE_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/$name.pid"
  wait_until 15 "$check" && return 0
  tail -n 20 "$STATE_DIR/$name.log" >&2 || true
  die "docker-registry did not answer on $addr within 15 s; see $STATE_DIR/$name.log"
}

# write_registry_config NAME: writes stdin as $STATE_DIR/NAME/config.yml; succeeds when it changed,
# stopping the registry that runs the old one (a changed harness restarts what it changed).
write_registry_config() {
  local name=$1 config="$STATE_DIR/$1/config.yml"
  mkdir -p "$STATE_DIR/$name"
  cat >"$config.new"
  if [ -f "$config" ] && cmp -s "$config" "$config.new"; then
    rm -f "$config.new"
    return 1
  fi
  mv "$config.new" "$config"
  if pid_running "$STATE_DIR/$name.pid" docker-registry && kill "$(cat "$STATE_DIR/$name.pid")" 2>/dev/null; then
    log "restarting $name: its configuration changed"
    wait_until 10 sh -c "! kill -0 $(cat "$STATE_DIR/$name.pid") 2>/dev/null" || true
  fi
  return 0
}

registry_auth_ok() {
  # shellcheck disable=SC1090
  . "$REGISTRY_ENV"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -u "$BERTH_TEST_REGISTRY_USERNAME:$BERTH_TEST_REGISTRY_PASSWORD" "http://$REGISTRY_ADDR/v2/")" = 200 ]
}

start_registry() {
  mkdir -p "$STATE_DIR/registry"
  if [ -f "$REGISTRY_ENV" ] && registry_auth_ok; then return 0; fi
  # Something answers but not with our credentials: it is ours from an older run, restart it.
  if pid_running "$STATE_DIR/registry.pid" docker-registry; then
    kill "$(cat "$STATE_DIR/registry.pid")" 2>/dev/null || true
    sleep 1
  fi
  if [ ! -f "$REGISTRY_ENV" ]; then
    local password
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    htpasswd -Bbn berth-test "$password" >"$STATE_DIR/registry/htpasswd"
    printf 'BERTH_TEST_REGISTRY_URL=http://%s\nBERTH_TEST_REGISTRY_USERNAME=berth-test\nBERTH_TEST_REGISTRY_PASSWORD=%s\n' \
      "$REGISTRY_ADDR" "$password" >"$REGISTRY_ENV"
    chmod 600 "$REGISTRY_ENV"
  fi
  cat >"$STATE_DIR/registry/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
auth:
  htpasswd:
    realm: berth-test
    path: $STATE_DIR/registry/htpasswd
YAML
  serve_registry registry "$REGISTRY_ADDR" registry_auth_ok
}

open_registry_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$OPEN_REGISTRY_ADDR/v2/")" = 200 ]; }

# Deletes stay disabled here, so that a registry refusing them can be tested (409 REGISTRY_DELETE_DISABLED).
start_open_registry() {
  grep -q '^BERTH_TEST_OPEN_REGISTRY_URL=' "$REGISTRY_ENV" || echo "BERTH_TEST_OPEN_REGISTRY_URL=http://$OPEN_REGISTRY_ADDR" >>"$REGISTRY_ENV"
  if ! write_registry_config registry-open <<YAML && open_registry_ok; then return 0; fi
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry-open/data
  delete:
    enabled: false
http:
  addr: $OPEN_REGISTRY_ADDR
YAML
  serve_registry registry-open "$OPEN_REGISTRY_ADDR" open_registry_ok
}

# pid_running FILE NAME: the pid in FILE is a live process of the program NAME (not a reused pid:
# after a reboot a stale pid file may name any process, e.g. one of this very test run).
pid_running() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}

# make_cert DIR NAME CA USAGE [DAYS] [SAN]: DIR/NAME-cert.pem and DIR/NAME-key.pem signed by DIR/CA.pem.
make_cert() {
  local dir=$1 name=$2 ca=$3 usage=$4 days=${5:-3650} san=${6:-}
  openssl req -newkey rsa:2048 -nodes -keyout "$dir/$name-key.pem" -out "$dir/$name.csr" -subj "/CN=berth-test $name" 2>/dev/null
  { echo "extendedKeyUsage=$usage"; [ -z "$san" ] || echo "subjectAltName=$san"; } >"$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.pem" -CAkey "$dir/$ca-key.pem" -CAcreateserial \
    -days "$days" -extfile "$dir/$name.ext" -out "$dir/$name-cert.pem" 2>/dev/null
}

# cert_path DIR CA CERT: a DOCKER_CERT_PATH layout (ca.pem, cert.pem, key.pem) under $TLS_DIR/DIR.
cert_path() {
  mkdir -p "$TLS_DIR.new/$1"
  cp "$TLS_DIR.new/$2.pem" "$TLS_DIR.new/$1/ca.pem"
  cp "$TLS_DIR.new/$3-cert.pem" "$TLS_DIR.new/$1/cert.pem"
  cp "$TLS_DIR.new/$3-key.pem" "$TLS_DIR.new/$1/key.pem"
}

# The certificates, made once: a CA, the engine's certificate for its address, a client certificate;
# and for the failure tests a second CA, a client certificate it signed and an expired one.
make_tls_certs() {
  [ -f "$TLS_DIR/server-cert.pem" ] && [ -f "$TLS_DIR/client/key.pem" ] && return 0
  log "making TLS certificates under $TLS_DIR"
  rm -rf "$TLS_DIR.new"
  mkdir -p "$TLS_DIR.new"
  local ca
  for ca in ca other-ca; do
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TLS_DIR.new/$ca-key.pem" -out "$TLS_DIR.new/$ca.pem" \
      -days 3650 -subj "/CN=berth-test $ca" 2>/dev/null
  done
  make_cert "$TLS_DIR.new" server ca serverAuth 3650 "IP:$TLS_ENGINE_ADDR"
  make_cert "$TLS_DIR.new" client ca clientAuth
  make_cert "$TLS_DIR.new" other-client other-ca clientAuth
  cert_path client ca client
  cert_path wrong-ca other-ca client
  cert_path untrusted-client ca other-client
  # Expired since yesterday; an openssl that refuses negative days just leaves this case out.
  if make_cert "$TLS_DIR.new" expired-client ca clientAuth -1; then cert_path expired-client ca expired-client; fi
  chmod -R go-rwx "$TLS_DIR.new"
  # Whole or not at all: a run killed halfway leaves only $TLS_DIR.new, made again next time.
  rm -rf "$TLS_DIR"
  mv "$TLS_DIR.new" "$TLS_DIR"
}

tls_docker_args=(-H "$TLS_ENGINE_URL" --tlsverify --tlscacert "$TLS_DIR/client/ca.pem" --tlscert "$TLS_DIR/client/cert.pem" --tlskey "$TLS_DIR/client/key.pem")
tls_engine_answers() { timeout 10 docker "${tls_docker_args[@]}" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# An engine started before the socket was added has none: it is restarted with it.
tls_socket_ready() { [ -S "$TLS_SOCKET" ]; }

tls_netns_ready() {
  [ -e "/var/run/netns/$TLS_NETNS" ] &&
    ip -4 addr show dev berth-tls0 2>/dev/null | grep -q "inet $TLS_HOST_ADDR/30" &&
    ip -n "$TLS_NETNS" -4 addr show dev berth-tls1 2>/dev/null | grep -q "inet $TLS_ENGINE_ADDR/30"
}

# The namespace and a veth pair: $TLS_HOST_ADDR on the host's side, $TLS_ENGINE_ADDR inside.
make_tls_netns() {
  tls_netns_ready && return 0
  ip netns del "$TLS_NETNS" 2>/dev/null || true
  ip link del berth-tls0 2>/dev/null || true
  ip netns add "$TLS_NETNS"
  ip link add berth-tls0 type veth peer name berth-tls1
  ip link set berth-tls1 netns "$TLS_NETNS"
  ip addr add "$TLS_HOST_ADDR/30" dev berth-tls0
  ip link set berth-tls0 up
  ip -n "$TLS_NETNS" addr add "$TLS_ENGINE_ADDR/30" dev berth-tls1
  ip -n "$TLS_NETNS" link set berth-tls1 up
  ip -n "$TLS_NETNS" link set lo up
}

# Stops a TLS dockerd that runs but does not answer (older certificates, a hung start) and waits for it to go.
stop_tls_engine() {
  pid_running "$TLS_PIDFILE" dockerd || return 0
  local pid
  pid=$(cat "$TLS_PIDFILE")
  log "stopping the TLS dockerd ($pid)"
  kill "$pid" 2>/dev/null || true
  wait_until 20 eval '! kill -0 '"$pid"' 2>/dev/null' || { kill -9 "$pid" 2>/dev/null || true; sleep 1; }
}

start_tls_engine() {
  make_tls_certs
  if ! tls_engine_answers || ! tls_socket_ready; then
    can_install || die "the TLS engine at $TLS_ENGINE_URL does not answer and starting it needs root"
    stop_tls_engine
    # A dockerd or containerd killed with -9 leaves its pid file behind.
    pid_running "$TLS_PIDFILE" dockerd || rm -f "$TLS_PIDFILE"
    pid_running "$TLS_EXEC_ROOT/containerd/containerd.pid" containerd || rm -f "$TLS_EXEC_ROOT/containerd/containerd.pid"
    make_tls_netns
    mkdir -p "$TLS_DATA_ROOT" "$TLS_EXEC_ROOT"
    echo '{}' >"$TLS_DIR/daemon.json"
    log "starting the TLS dockerd on $TLS_ENGINE_URL (log: $STATE_DIR/dockerd-tls.log)"
    # nsenter, not `ip netns exec`: that remounts /sys and dockerd then finds no devices cgroup.
    setsid nohup nsenter --net="/var/run/netns/$TLS_NETNS" dockerd --config-file "$TLS_DIR/daemon.json" \
      --tlsverify --tlscacert "$TLS_DIR/ca.pem" --tlscert "$TLS_DIR/server-cert.pem" --tlskey "$TLS_DIR/server-key.pem" \
      -H "$TLS_ENGINE_URL" -H "unix://$TLS_SOCKET" --data-root "$TLS_DATA_ROOT" --exec-root "$TLS_EXEC_ROOT" --pidfile "$TLS_PIDFILE" \
      --bridge none --iptables=false >>"$STATE_DIR/dockerd-tls.log" 2>&1 </dev/null &
    if ! wait_until 60 tls_engine_answers; then
      tail -n 20 "$STATE_DIR/dockerd-tls.log" >&2 || true
      die "the TLS dockerd did not answer on $TLS_ENGINE_URL within 60 s; see $STATE_DIR/dockerd-tls.log"
    fi
  fi
  if ! docker "${tls_docker_args[@]}" image inspect "$TEST_IMAGE" >/dev/null 2>&1; then
    log "loading $TEST_IMAGE into the TLS engine"
    docker save "$TEST_IMAGE" | docker "${tls_docker_args[@]}" load >/dev/null
  fi
  {
    echo "BERTH_TEST_TLS_DOCKER_HOST=$TLS_ENGINE_URL"
    local dir
    for dir in client wrong-ca untrusted-client expired-client; do
      if [ -d "$TLS_DIR/$dir" ]; then echo "BERTH_TEST_TLS_CERT_PATH_$(echo "$dir" | tr 'a-z-' 'A-Z_')=$TLS_DIR/$dir"; fi
    done
  } >"$TLS_ENV"
}

ssh_client_args=(-F none -i "$SSH_DIR/client_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=5
  -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$SSH_DIR/known_hosts" "$SSH_USER@$TLS_ENGINE_ADDR")

# The ssh user's docker answers, and it is the TLS engine (same data root), not the first one.
ssh_engine_answers() {
  local over_ssh
  over_ssh=$(timeout 10 ssh "${ssh_client_args[@]}" docker info --format '{{.DockerRootDir}}' 2>/dev/null) || return 1
  [ -n "$over_ssh" ] && [ "$over_ssh" = "$(timeout 10 docker "${tls_docker_args[@]}" info --format '{{.DockerRootDir}}' 2>/dev/null)" ]
}

# Keys made once with ssh-keygen: the sshd's host key, the client key it authorizes, and for the failure tests
# a host key it does not have and a client key it does not authorize.
make_ssh_keys() {
  mkdir -p "$SSH_DIR"
  chmod 755 "$SSH_DIR"
  local key
  for key in host_ed25519 wrong_host_ed25519 client_ed25519 other_client_ed25519; do
    [ -f "$SSH_DIR/$key" ] || ssh-keygen -q -t ed25519 -N '' -C "berth-test-$key" -f "$SSH_DIR/$key"
  done
  # sshd's StrictModes: root's file, not writable by others.
  install -m 644 "$SSH_DIR/client_ed25519.pub" "$SSH_DIR/authorized_keys"
  echo "$TLS_ENGINE_ADDR $(cat "$SSH_DIR/host_ed25519.pub")" >"$SSH_DIR/known_hosts"
}

# A user of its own, in the docker group (the engine's socket is root:docker), without a password (no "!" lock either,
# which sshd without PAM takes for a locked account).
make_ssh_user() {
  getent group docker >/dev/null || groupadd --system docker
  if ! id "$SSH_USER" >/dev/null 2>&1; then
    useradd --system --create-home --home-dir "$SSH_DIR/home" --shell /bin/sh --groups docker --password '*' "$SSH_USER"
  fi
  id -nG "$SSH_USER" | grep -qw docker || usermod -aG docker "$SSH_USER"
}

# Writes the sshd configuration; succeeds when it changed, stopping the sshd that runs the old one.
write_sshd_config() {
  cat >"$SSH_DIR/sshd_config.new" <<CONFIG
ListenAddress $TLS_ENGINE_ADDR:22
HostKey $SSH_DIR/host_ed25519
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
AllowUsers $SSH_USER
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
# The docker CLI of the session (dial-stdio) talks to the TLS engine, not to the first one.
SetEnv DOCKER_HOST=unix://$TLS_SOCKET
CONFIG
  if [ -f "$SSH_DIR/sshd_config" ] && cmp -s "$SSH_DIR/sshd_config" "$SSH_DIR/sshd_config.new"; then
    rm -f "$SSH_DIR/sshd_config.new"
    return 1
  fi
  mv "$SSH_DIR/sshd_config.new" "$SSH_DIR/sshd_config"
  stop_sshd
}

stop_sshd() {
  pid_running "$SSH_DIR/sshd.pid" sshd || return 0
  local pid
  pid=$(cat "$SSH_DIR/sshd.pid")
  log "stopping the test sshd ($pid)"
  kill "$pid" 2>/dev/null || true
  wait_until 10 eval '! kill -0 '"$pid"' 2>/dev/null' || true
}

start_ssh_engine() {
  make_ssh_keys
  make_ssh_user
  write_sshd_config || true
  if ! ssh_engine_answers; then
    # Not answering: an sshd left in a namespace that was made again, or none at all.
    stop_sshd
    mkdir -p /run/sshd
    /usr/sbin/sshd -t -f "$SSH_DIR/sshd_config" || die "the test sshd's configuration ($SSH_DIR/sshd_config) is refused"
    log "starting sshd on $TLS_ENGINE_ADDR:22 in $TLS_NETNS (log: $STATE_DIR/sshd.log)"
    nsenter --net="/var/run/netns/$TLS_NETNS" /usr/sbin/sshd -f "$SSH_DIR/sshd_config" -E "$STATE_DIR/sshd.log"
    if ! wait_until 20 ssh_engine_answers; then
      tail -n 20 "$STATE_DIR/sshd.log" >&2 || true
      die "ssh $SSH_USER@$TLS_ENGINE_ADDR does not reach the TLS engine within 20 s; see $STATE_DIR/sshd.log"
    fi
  fi
  {
    echo "BERTH_TEST_SSH_URL=ssh://$SSH_USER@$TLS_ENGINE_ADDR:22"
    echo "BERTH_TEST_SSH_PRIVATE_KEY=$SSH_DIR/client_ed25519"
    echo "BERTH_TEST_SSH_UNAUTHORIZED_PRIVATE_KEY=$SSH_DIR/other_client_ed25519"
    echo "BERTH_TEST_SSH_HOST_KEY=$SSH_DIR/host_ed25519.pub"
    echo "BERTH_TEST_SSH_WRONG_HOST_KEY=$SSH_DIR/wrong_host_ed25519.pub"
  } >"$SSH_ENV"
}

# Swarm on the TLS engine only (never the first one): a single-node manager advertising its netns address.
# Tasks run there with no network, the host network or an overlay; published ports are recorded but carry no
# traffic (no routing mesh: --iptables=false and no ip_vs). Idempotent: an active node is left as it is.
tls_swarm_state() { docker "${tls_docker_args[@]}" info --format '{{.Swarm.LocalNodeState}}'; }
tls_swarm_settled() { [ "$(tls_swarm_state)" != pending ]; }

init_tls_swarm() {
  local state
  # A node just restarted (after `down`) rejoins its swarm in its own time: pending is waited out, not initialised over.
  wait_until 30 tls_swarm_settled || true
  state=$(tls_swarm_state)
  [ "$state" = active ] && return 0
  log "initialising Swarm on the TLS engine (was: $state)"
  docker "${tls_docker_args[@]}" swarm init --advertise-addr "$TLS_ENGINE_ADDR" >/dev/null ||
    die "docker swarm init on the TLS engine failed; see $STATE_DIR/dockerd-tls.log"
}

# Answers 401 with our realm: running, and with this configuration's token auth.
token_registry_ok() {
  curl -s -D - -o /dev/null "http://$TOKEN_REGISTRY_ADDR/v2/" | tr -d '\r' | grep -qi "^www-authenticate: Bearer realm=\"$TOKEN_REALM\""
}

start_token_registry() {
  local dir="$STATE_DIR/registry-token"
  mkdir -p "$dir"
  if [ ! -f "$dir/issuer.crt" ] || [ ! -f "$dir/issuer.key" ]; then
    log "making the token issuer's key and certificate ($dir)"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj '/CN=berth-test-token-issuer' \
      -keyout "$dir/issuer.key.new" -out "$dir/issuer.crt.new" 2>/dev/null
    chmod 600 "$dir/issuer.key.new"
    mv "$dir/issuer.key.new" "$dir/issuer.key"
    mv "$dir/issuer.crt.new" "$dir/issuer.crt"
  fi
  grep -q '^BERTH_TEST_TOKEN_REGISTRY_URL=' "$REGISTRY_ENV" || printf 'BERTH_TEST_TOKEN_REGISTRY_URL=http://%s\nBERTH_TEST_TOKEN_REALM=%s\nBERTH_TEST_TOKEN_SERVICE=berth-test-registry\nBERTH_TEST_TOKEN_ISSUER=berth-test-issuer\nBERTH_TEST_TOKEN_KEY=%s\nBERTH_TEST_TOKEN_CERT=%s\n' \
    "$TOKEN_REGISTRY_ADDR" "$TOKEN_REALM" "$dir/issuer.key" "$dir/issuer.crt" >>"$REGISTRY_ENV"
  if ! write_registry_config registry-token <<YAML && token_registry_ok; then return 0; fi
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $TOKEN_REGISTRY_ADDR
auth:
  token:
    realm: $TOKEN_REALM
    service: berth-test-registry
    issuer: berth-test-issuer
    rootcertbundle: $dir/issuer.crt
YAML
  serve_registry registry-token "$TOKEN_REGISTRY_ADDR" token_registry_ok
}

# The e2e runs still alive, counted by their lease files (a dead run's lease is removed).
live_e2e_runs() {
  local lease count=0
  for lease in "$E2E_RUNS"/*; do
    [ -e "$lease" ] || continue
    if kill -0 "$(basename "$lease")" 2>/dev/null; then count=$((count + 1)); else rm -f "$lease"; fi
  done
  echo "$count"
}

netns_empty() { [ -z "$(ip netns pids "$TLS_NETNS" 2>/dev/null)" ]; }

# The second engine goes: its sshd, its dockerd (by its pid file, waited for), whatever is left in its namespace,
# the namespace and the veth pair. Not its data root: the next start finds its swarm and the test image there.
down_second_engine() {
  stop_sshd
  stop_tls_engine
  if [ -e "/var/run/netns/$TLS_NETNS" ]; then
    if ! netns_empty; then
      # Only processes inside that namespace (a containerd or shim its dockerd left): nothing of the first engine.
      log "stopping what is left in $TLS_NETNS: $(ip netns pids "$TLS_NETNS" | tr '\n' ' ')"
      # shellcheck disable=SC2046
      kill $(ip netns pids "$TLS_NETNS") 2>/dev/null || true
      # shellcheck disable=SC2046
      wait_until 20 netns_empty || kill -9 $(ip netns pids "$TLS_NETNS") 2>/dev/null || true
    fi
    log "removing the namespace $TLS_NETNS"
    ip netns del "$TLS_NETNS"
  fi
  ip link del berth-tls0 2>/dev/null || true
}

# `test-engine.sh stop-tls`: stops only the TLS engine (the outage test, test/hosts.e2e.ts); running the script again starts it.
if [ "${1:-}" = stop-tls ]; then
  stop_tls_engine
  exit 0
fi

# One start or down at a time (e2e runs share these engines); flock -o: the daemons started here do not hold the lock.
if [ -z "${BERTH_TEST_ENGINE_LOCKED:-}" ] && command -v flock >/dev/null; then
  mkdir -p "$STATE_DIR"
  BERTH_TEST_ENGINE_LOCKED=1 exec flock -o "$STATE_DIR/test-engine.lock" bash "$0" "$@"
fi

if [ "${1:-}" = down ]; then
  if [ "${2:-}" = --unless-in-use ] && [ "$(live_e2e_runs)" -gt 0 ]; then
    log "keeping the second engine: $(live_e2e_runs) other e2e run(s) still use it"
    exit 0
  fi
  down_second_engine
  exit 0
fi

install_packages
engine_answers || start_engine
build_test_image
start_registry
start_open_registry
start_token_registry
start_tls_engine
init_tls_swarm
start_ssh_engine
log "engine $(docker version --format '{{.Server.Version}}'), image $TEST_IMAGE, registries $REGISTRY_ADDR (credentials in $REGISTRY_ENV), $OPEN_REGISTRY_ADDR (anonymous, no deletes) and $TOKEN_REGISTRY_ADDR (token auth, realm $TOKEN_REALM), TLS engine $TLS_ENGINE_URL ($TLS_ENV, a Swarm manager), ssh://$SSH_USER@$TLS_ENGINE_ADDR to it ($SSH_ENV)"
