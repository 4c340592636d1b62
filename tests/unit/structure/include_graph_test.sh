#!/usr/bin/env bash
# scripts/check-includes: passes on the repository, and fails — naming the
# file, the include and what its folder may include — on a copy with one
# include against the graph, on a folder missing from the table, and on a
# docs/architecture.md whose drawing differs from the table.
set -euo pipefail
root=$1
check="$root/scripts/check-includes"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/slamon-include-graph-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# A fresh copy of what the check reads.
copy() {
  rm -rf "$tmp/repo"
  mkdir -p "$tmp/repo/scripts" "$tmp/repo/docs"
  cp -r "$root/events" "$root/projections" "$root/daemon" "$tmp/repo/"
  cp "$root/scripts/include-graph.txt" "$tmp/repo/scripts/"
  cp "$root/docs/architecture.md" "$tmp/repo/docs/"
}

# expect_failure NAME PATTERN: the check on the copy exits 1 and prints PATTERN.
expect_failure() {
  local out status=0
  out=$("$check" --root "$tmp/repo" 2>&1) || status=$?
  if [[ $status -ne 1 ]]; then
    fail "$1: exit status $status, expected 1; output: $out"
  elif ! grep -qF -- "$2" <<<"$out"; then
    fail "$1: the output does not say '$2': $out"
  else
    echo "ok: $1"
  fi
}

if out=$("$check" --root "$root" 2>&1); then
  echo "ok: the repository follows its include graph"
else
  fail "the repository itself: $out"
fi

# The config layer must not see the HTTP server.
copy
sed -i '0,/^#include "/s//#include "daemon\/http\/http_server.h"\n#include "/' "$tmp/repo/daemon/config/daemon_config.h"
expect_failure "config includes http" \
  'daemon/config/daemon_config.h:'
expect_failure "config includes http (message)" \
  'includes daemon/http/http_server.h, but daemon/config may only include daemon/config, events/common, events/kafka/kafka_settings.h'

# The metrics read the views, never the projection host.
copy
echo '#include "daemon/host/projection_host.h"' >>"$tmp/repo/daemon/metrics/business_metrics.cc"
expect_failure "metrics includes the projection host" \
  'daemon/metrics/business_metrics.cc'
# Only the named header of events/kafka is open to config, not the client.
copy
echo '#include "events/kafka/kafka_source.h"' >>"$tmp/repo/daemon/config/daemon_config.cc"
expect_failure "config includes the Kafka client" 'includes events/kafka/kafka_source.h, but daemon/config'
# A lower projection layer must not see a higher one.
copy
echo '#include "projections/accounts/health_projection.h"' >>"$tmp/repo/projections/sla/sla_record.cc"
expect_failure "sla includes accounts" 'includes projections/accounts/health_projection.h, but projections/sla'

# A new folder needs its line in the table.
copy
mkdir -p "$tmp/repo/projections/newsubject"
echo '#include "projections/core/calendar.h"' >"$tmp/repo/projections/newsubject/new_projection.cc"
expect_failure "a folder without a line" 'folder projections/newsubject has no line in scripts/include-graph.txt'

# The drawing in docs/architecture.md must be the table's.
copy
sed -i 's/^daemon\/views  *→  projections$/daemon\/views          →  projections  daemon\/host/' "$tmp/repo/docs/architecture.md"
expect_failure "docs drawing differs" 'docs/architecture.md: the graph after'

if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all include-graph checks passed"
