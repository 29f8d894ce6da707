#!/usr/bin/env bash
# Runs one scenario's proof — the same integration test `mvn verify` runs — e.g. scripts/prove.sh jwt.
# Shows the stack's progress, keeps Maven's and Testcontainers' full output in a log, and ends with what was proven.
#   scripts/prove.sh <scenario>     (one of SCENARIOS in lab.properties)
#   scripts/prove.sh --k8s          every scenario on Kubernetes (KUBECONFIG's cluster, else the lab's local one)
set -Eeuo pipefail
source "$(dirname "$0")/lib.sh"
trap on_error ERR
cd "$LAB_ROOT"
scenario="${1:-}"
case "$scenario" in -h|--help|help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
if [ "$scenario" = --k8s ]; then
  scenario=k8s test=KubernetesScenarioIT package=org.spiffelab.scenario.k8s where="on Kubernetes"
else
  case ",$SCENARIOS," in *",$scenario,"*) [ -n "$scenario" ] ;; *) false ;; esac \
    || die "usage: scripts/prove.sh <scenario>|--k8s, scenario one of ${SCENARIOS//,/, } (SCENARIOS in lab.properties)"
  # x509 -> X509ScenarioIT, sds-agent -> SdsAgentScenarioIT (as StackSpec.proofTestName; DocsTest checks each exists)
  test="$(sed -E 's/(^|-)([a-z])/\U\2/g' <<<"$scenario")ScenarioIT" package=org.spiffelab.scenario where="on Docker"
fi
reports="$LAB_ROOT/scenario-tests/target/failsafe-reports"
shots="$LAB_ROOT/scenario-tests/target/scenario-reports/screenshots"
log="$LAB_ROOT/scenario-tests/target/prove-$scenario.log"
mkdir -p "$(dirname "$log")"
rm -f "$reports/TEST-$package.$test".*xml "$reports/TEST-$package.$test\$"*.xml
step "prove scenario $scenario ($test: real SPIRE, Envoy and nginx $where; full output in ${log#"$LAB_ROOT"/})"
# Only the stack's own progress lines ([scenario] ...) reach the terminal, as they happen; the rest goes to the log.
trap - ERR
set +o pipefail
mvnq verify -pl scenario-tests -am -Dit.test="$test" -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfailsafe.failIfNoSpecifiedTests=false -Dorg.slf4j.simpleLogger.defaultLogLevel=warn 2>&1 | tee "$log" \
  | { grep --line-buffered -E "^==> \[$scenario\] " | sed -u 's/^==> /    /'; cat >/dev/null; }
status=${PIPESTATUS[0]}
set -o pipefail
trap on_error ERR
report="$reports/TEST-$package.$test.xml"
[ -f "$report" ] || die "no test report: the build failed before $test ran (exit $status); see $log"
python3 - "$report" "$scenario" "$shots" <<'PY'
import sys, os, glob, xml.etree.ElementTree as ET
report, scenario, shots = sys.argv[1:]
# Nested test classes (KubernetesScenarioIT$X509, ...) have a report each, beside the outer class's.
reports = [report] + sorted(glob.glob(glob.escape(report[:-len(".xml")]) + "$*.xml"))
cases = [c for r in reports for c in ET.parse(r).getroot().findall("testcase")]
failed = [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
skipped = [c for c in cases if c.find("skipped") is not None]
print(f"\n==> summary: scenario {scenario}")
for c in cases:
    mark = "FAIL" if c in failed else "skip" if c in skipped else " ok "
    nested = c.get("classname", "").partition("$")[2]
    print(f"    [{mark}] {nested + ': ' if nested else ''}{c.get('name')}")
proven = len(cases) - len(failed) - len(skipped)
print(f"    {proven} of {len(cases)} assertions proven" + (f", {len(failed)} failed" if failed else ""))
if os.path.isdir(shots) and os.listdir(shots):
    print(f"    screenshots: {shots}")
for c in failed:
    problem = c.find("failure") if c.find("failure") is not None else c.find("error")
    print(f"\n    {c.get('name')}: {(problem.get('message') or '').strip()[:600]}")
sys.exit(1 if failed else 0)
PY
[ "$status" = 0 ] || die "the proof failed (exit $status); the full output is in $log"
