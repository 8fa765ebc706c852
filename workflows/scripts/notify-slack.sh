#!/usr/bin/env bash
# Posts a deploy's outcome to Slack (chat.postMessage). Used by .github/workflows/deploy.yml.
# Env: SLACK_BOT_TOKEN, SLACK_CHANNEL, SLACK_API_URL, ENVIRONMENT, VERSION, BUILD, SCAN, DEPLOY,
# ROLLED_BACK, RUN_URL. Without a token it says so loudly; with one, a failed post fails the step
# (a notification that fails silently is how outages go unnoticed).
set -euo pipefail

# The scan job is skipped only when the scanner is declared unavailable (deploy.yml): say so.
if [[ $DEPLOY == success && $BUILD == success && $SCAN == skipped ]]; then
  outcome=":warning: deployed, images NOT scanned (scanner unavailable)"
elif [[ $DEPLOY == success && $SCAN == success && $BUILD == success ]]; then
  outcome=":white_check_mark: deployed"
elif [[ ${ROLLED_BACK:-} == true ]]; then
  outcome=":rewind: smoke test failed, ROLLED BACK to the previous version"
else
  outcome=":x: FAILED (build: $BUILD, scan: $SCAN, deploy: $DEPLOY)"
fi
text="*${ENVIRONMENT}* ${VERSION:-?}: ${outcome} — ${RUN_URL}"
echo "$text"
echo "Slack: $text" >>"${GITHUB_STEP_SUMMARY:-/dev/null}"

if [[ -z ${SLACK_BOT_TOKEN:-} || -z ${SLACK_CHANNEL:-} ]]; then
  echo "::warning::Slack notification NOT sent: SLACK_BOT_TOKEN or vars.SLACK_CHANNEL is not set"
  exit 0
fi

body=$(TEXT="$text" node -e 'process.stdout.write(JSON.stringify({ channel: process.env.SLACK_CHANNEL, text: process.env.TEXT }))')
# The token goes in through a header file (a pipe), not argv, where other processes could read it.
response=$(curl -sS --fail-with-body --max-time 20 -H @<(printf 'Authorization: Bearer %s\n' "$SLACK_BOT_TOKEN") \
  -H 'Content-Type: application/json; charset=utf-8' --data "$body" "${SLACK_API_URL%/}/chat.postMessage")
if ! node -e 'process.exit(JSON.parse(process.argv[1]).ok === true ? 0 : 1)' "$response"; then
  echo "::error::Slack refused the notification: $response"
  exit 1
fi
echo "Slack notification sent to $SLACK_CHANNEL"
