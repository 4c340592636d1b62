#!/bin/sh
# Routing cases for config/alertmanager.yml, checked with
# `amtool config routes test --verify.receivers=...` (non-zero on mismatch).
# Usage: amtool_routes_test.sh [path/to/alertmanager.yml]
set -u
here=$(cd "$(dirname "$0")" && pwd)
config=${1:-$here/../../config/alertmanager.yml}
amtool=${AMTOOL:-amtool}
failures=0
cases=0

# expect RECEIVERS LABEL=VALUE... : the alert must reach exactly RECEIVERS
# (comma-separated, in routing order).
expect() {
  want=$1
  shift
  cases=$((cases + 1))
  if got=$("$amtool" config routes test --config.file="$config" --verify.receivers="$want" "$@" 2>&1); then
    echo "ok   $* -> $want"
  else
    echo "FAIL $* -> want $want, got: $(echo "$got" | grep -v '^Warning' | tr '\n' ' ')"
    failures=$((failures + 1))
  fi
}

[ -r "$config" ] || { echo "FAIL cannot read $config"; exit 1; }
command -v "$amtool" >/dev/null 2>&1 || { echo "FAIL amtool not found (apt-get install prometheus-alertmanager)"; exit 1; }

# An A-tier first-response breach for li.wei reaches li.wei only.
expect owner-li.wei alertname=SlamonFirstResponseBreached tier=A account_owner=li.wei severity=page
expect owner-li.wei alertname=SlamonFirstResponseAtRisk tier=A account_owner=li.wei severity=warning
expect owner-li.wei alertname=SlamonAccountsAtRisk tier=C account_owner=li.wei severity=warning
# maria.garcia's breach reaches hers, sam.okafor's his.
expect owner-maria.garcia alertname=SlamonFirstResponseBreached tier=A account_owner=maria.garcia severity=page
expect owner-maria.garcia alertname=SlamonFirstResponseBreached tier=B account_owner=maria.garcia severity=page
expect owner-sam.okafor alertname=SlamonFirstResponseBreached tier=A account_owner=sam.okafor severity=page
# Late replies and resolutions notify the owner as well.
expect owner-li.wei alertname=SlamonNextResponseBreached tier=A account_owner=li.wei severity=warning
expect owner-maria.garcia alertname=SlamonResolutionBreached tier=B account_owner=maria.garcia severity=ticket
# Escalations page the lead of the account's team (not the owner), by team
# and step; the head of service gets head_of_service for every team.
expect lead-east alertname=SlamonSlaEscalated tier=A metric=first_response account_owner=li.wei team=east step=team_lead severity=page
expect lead-key-accounts alertname=SlamonSlaEscalated tier=B metric=resolution account_owner=sam.okafor team=key-accounts step=team_lead severity=page
expect head-of-service alertname=SlamonSlaEscalated tier=A metric=first_response account_owner=li.wei team=east step=head_of_service severity=page
expect default alertname=SlamonSlaEscalated tier=A metric=first_response account_owner=li.wei team=west step=team_lead severity=page
# An owner without a route of their own but with a known address reaches the
# one templated receiver (the address is in the alert); a route of the
# owner's own still wins over it.
expect owner alertname=SlamonFirstResponseBreached tier=A account_owner=wang.fang account_owner_email=wang.fang@example.com severity=page
expect owner alertname=SlamonResolutionBreached tier=B account_owner=wang.fang account_owner_email=wang.fang@example.com severity=ticket
expect owner alertname=SlamonAccountsAtRisk tier=A account_owner=wang.fang account_owner_email=wang.fang@example.com severity=warning
expect owner-li.wei alertname=SlamonFirstResponseBreached tier=A account_owner=li.wei account_owner_email=li.wei@example.com severity=page
# Owners folded into "other" by the label bound carry no address: default.
expect default alertname=SlamonFirstResponseBreached tier=A account_owner=other severity=page
# An owner with neither a route nor an address reaches the default receiver.
expect default alertname=SlamonFirstResponseBreached tier=A account_owner=unknown.owner severity=page
expect default alertname=SlamonAccountsAtRisk tier=B account_owner=nobody severity=warning
# Owner names match exactly (no prefix or case folding).
expect default alertname=SlamonFirstResponseBreached tier=A account_owner=li.wei.jr severity=page
expect default alertname=SlamonFirstResponseBreached tier=A account_owner=Li.Wei severity=page
# Alerts without an owner: pipeline pages and fast budget burn to the
# on-call, slow budget burn to the ticket queue, the rest to default.
expect oncall alertname=SlamonDown job=slamon severity=page
expect oncall alertname=SlamonIngestStalled severity=page
expect oncall alertname=SlamonConsumerLagHigh topic=slamon-events severity=page
expect tickets alertname=SlamonTopicLosesHistory topic=slamon-events severity=ticket
# The bridge's alerts, whatever their severity: the on-call.
expect oncall alertname=SlamonBridgeSignatureFailures source=zendesk severity=page
expect oncall alertname=SlamonBridgeMappingErrors source=jiandaoyun severity=warning
expect oncall alertname=SlamonBridgeKafkaUnavailable job=slamon-bridge instance=127.0.0.1:9465 severity=page
expect oncall alertname=SlamonSlaBudgetBurn tier=A severity=page
expect tickets alertname=SlamonSlaBudgetBurn tier=A severity=ticket
expect default alertname=SlamonSatisfactionBelowTarget tier=A window=30d severity=warning
# Churn above target: a ticket to the tier's manager (unknown tier: ticket queue).
expect tier-manager-A alertname=SlamonChurnAboveTarget tier=A window=365d severity=ticket
expect tier-manager-C alertname=SlamonChurnAboveTarget tier=C window=365d severity=ticket
expect tickets alertname=SlamonChurnAboveTarget tier=unknown window=365d severity=ticket
# Overdue follow-ups: the owner's daily digest; an owner without a receiver: default.
expect owner-li.wei alertname=SlamonFollowupsOverdue account_owner=li.wei severity=digest
expect owner-sam.okafor alertname=SlamonFollowupsOverdue account_owner=sam.okafor severity=digest
expect default alertname=SlamonFollowupsOverdue account_owner=nobody severity=digest
expect owner alertname=SlamonFollowupsOverdue account_owner=wang.fang account_owner_email=wang.fang@example.com severity=digest

echo "$((cases - failures))/$cases routing cases passed"
[ "$failures" -eq 0 ]
