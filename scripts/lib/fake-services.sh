# shellcheck shell=bash
# Local stand-ins for GitHub's API and Sentry, which cannot be reached here, for scripts/rehearse and
# scripts/dr-drill (sourced; run from the repository root, `die` defined by the caller). Both are
# started with tsx itself, not npx: a signal to npx would leave the server running and its port taken.

# start_fake_github <port|0> <state-file> <dir>: the GitHub API (Deployments) with its deployments
# kept in <state-file>, answering the token in PIPELINE_GITHUB_TOKEN. Sets fake_github_pid and
# fake_github_url.
start_fake_github() {
  local port=$1 state=$2 dir=$3
  node_modules/.bin/tsx test/fake-github-server.ts "$port" "$state" >"$dir/github.url" 2>"$dir/github.log" &
  fake_github_pid=$!
  for _ in $(seq 100); do [[ -s $dir/github.url ]] && break; sleep 0.1; done
  [[ -s $dir/github.url ]] || die "the local GitHub API did not start: $(cat "$dir/github.log")"
  fake_github_url=$(cat "$dir/github.url")
}

# start_fake_sentry <env-file> <log>: Sentry's upload and release API; appends its URL, org,
# project and token to <env-file>. Sets fake_sentry_pid.
start_fake_sentry() {
  local env_file=$1 log=$2
  node_modules/.bin/tsx test/fake-sentry-cli.ts "$env_file" >"$log" 2>&1 &
  fake_sentry_pid=$!
  for _ in $(seq 300); do grep -q '^fake Sentry on' "$log" && break; sleep 0.1; done
  grep '^fake Sentry on' "$log" || die "the fake Sentry did not start: $(cat "$log")"
}
