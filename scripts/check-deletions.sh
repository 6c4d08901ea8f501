#!/bin/bash
# `npm run test:deletions`: the money-safety lines an adversarial review once deleted without any
# test noticing. Each is deleted in turn and the unit tests run; every deletion must be caught.
# CI's guard until the mutation baseline (npm run test:mutation) is committed; see issue 17.
cd "$(dirname "$0")/.."
status=0
backup=$(mktemp)
current=
# An interrupted run puts the file it was editing back.
trap '[ -n "$current" ] && cp "$backup" "$current"; rm -f "$backup"' EXIT
trap 'exit 130' INT TERM
check() {
  local file=$1 pattern=$2 label=$3 keep=${4:-}
  cp "$file" "$backup"
  current=$file
  python3 - "$file" "$pattern" "$keep" <<'PY'
import sys
f,pat,keep=sys.argv[1],sys.argv[2],sys.argv[3]
s=open(f).read()
assert pat in s, pat
open(f,'w').write(s.replace(pat,keep,1))
PY
  if KLING_TEST_PROJECT=unit npx jest --silent > /tmp/del.log 2>&1; then echo "SURVIVED: $label"; status=1; else echo "killed:   $label: $(grep -E '^\s+● ' /tmp/del.log | head -1 | sed 's/^ *//' | cut -c1-110)"; fi
  cp "$backup" "$file"
  current=
}
check nodes/KlingCometApi/actions/router.ts "if (others) notes.push(\`Other tasks of this run (none is lost; collect unfinished ones with Get Task): \${others}.\`);" "router: naming the other tasks of the run"
check nodes/KlingCometApi/actions/router.ts "ledger.failed(i, error.message, error.context ?? {});" "router: marking a failed item in the ledger"
check nodes/KlingCometApi/actions/video/creating.ts "	throwIfAborted(item.signal);
	if (prepared.waitMode" "create: the abort check after a create" "	if (prepared.waitMode"
check nodes/KlingCometApi/helpers/download.ts "					body.destroy?.();
					if (EXPIRED_STATUSES" "download: dropping an error body" "					if (EXPIRED_STATUSES"
check nodes/KlingCometApi/actions/video/creating.ts "item.ledger.task(itemIndex, created.task_id, created.task_status);" "create: recording the task"
check nodes/KlingCometApi/actions/video/get.operation.ts "item.ledger.task(itemIndex, taskId);" "get: recording the task"
check nodes/KlingCometApi/transport/index.ts "sendCredentialsOnCrossOriginRedirect: false," "transport: no key on cross-origin redirects"
check nodes/KlingCometApi/actions/router.ts "if (isCancellation(error) && controllers[i].signal.aborted) return;" "router: a stopped sibling is not a failure"
check nodes/KlingCometApi/actions/router.ts "progress.stopped(ledger);
		throw cancellationError" "router: keeping task ids on Stop" "throw cancellationError"
check nodes/KlingCometApi/actions/video/callback.ts "		if (!isFinalStatus(task.task_status)) return ignore('not finished yet');" "pause: a callback is confirmed by reading the task"
check nodes/KlingCometApi/actions/video/callback.ts "	if (index < 0) return ignore('not a task of this node');" "pause: callbacks for other tasks change nothing"
check nodes/KlingCometApi/actions/video/callback.ts "	runAgainOnResume(ctx);" "pause: the resumed node runs again (downloads, errors)"
check nodes/KlingCometApi/actions/video/callback.ts "		item.json[PENDING_TASK_FIELD] = redactor.deep(pending) as unknown as IDataObject;" "pause: the task ids travel with the waiting execution"
check nodes/KlingCometApi/actions/video/callback.ts "	if (repeated && open.some(" "pause: a first final callback always checks the others" "	if (open.some("
check nodes/KlingCometApi/actions/video/callback.ts " && entry.execution_id === executionId," "pause: only this execution's items are a resume" ","
check nodes/KlingCometApiTrigger/KlingCometApiTrigger.node.ts "	if (emitted[key] || !recentlyEmitted.claim(" "trigger: a repeated callback starts nothing" "	if (!recentlyEmitted.claim("
check nodes/KlingCometApiTrigger/KlingCometApiTrigger.node.ts "	if (typeof task.task_status !== 'string' || !wanted(events, task.task_status)) return ignore('status not wanted');" "trigger: emits what the API says, filtered"
check nodes/KlingCometApiTrigger/KlingCometApiTrigger.node.ts "	if (emitted[key] || !recentlyEmitted.claim(\`\${ctx.getWorkflow().id}/\${ctx.getNode().id}/\${key}\`)) {" "trigger: simultaneous duplicates start one execution" "	if (emitted[key]) {"
check nodes/KlingCometApi/actions/video/images.ts "	if (bytes !== undefined && bytes > MAX_IMAGE_BYTES) return { bytes, parse: { kind: 'more' } };" "images: a stored image over 10 MB is refused from its metadata, unread"
check nodes/KlingCometApi/actions/video/images.ts "			if (parse.kind !== 'more' && (sizeKnown || seen > MAX_IMAGE_BYTES)) break;" "images: the header read stops as soon as it can"
check nodes/KlingCometApi/helpers/image.ts "	if (Math.min(width, height) < MIN_IMAGE_SIDE) {" "images: the 300 px minimum" "	if (false) {"
check nodes/KlingCometApi/helpers/validation.ts "	if (input.endFrame && body.camera_control) {" "images: no end frame with camera control" "	if (false) {"
check nodes/KlingCometApi/actions/video/callback.ts "		...(item.binary ? { binary: item.binary } : {})," "pause: resumed image items keep their images"
check nodes/KlingCometApi/actions/video/callback.ts "			path: taskPath(kindOf(itemIndex))," "pause: each task is read under its own kind" "			path: taskPath('text2video'),"
check nodes/KlingCometApi/actions/video/get.operation.ts "			taskKind: chosen === 'auto' ? kindOfInput(this, itemIndex) : chosen," "get: Auto takes the input item's task_kind" "			taskKind: chosen === 'auto' ? undefined : chosen,"
check nodes/KlingCometApiTrigger/KlingCometApiTrigger.node.ts "				if (read.answer.ok || !isTaskNotFound(read.answer.failure)) break;" "trigger: an image task is looked for under its own kind" "				break;"
exit $status
