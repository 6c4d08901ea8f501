'use strict';
/**
 * Every Kling task kind the simulator speaks, one module each. The core (server.js) knows none of
 * them by name: it finds the kind from the request path here and asks the module.
 *
 * A kind module is plain data plus small functions:
 *   kind          the name in the request log (`taskKind`) and on the task: the create path after
 *                 /kling/v1/, without a leading "videos/" (text2video, omni-video, audio/tts, …)
 *   action        videos | images | audio
 *   createPath    POST here creates it
 *   readPaths     GET <path>/{task_id} reads it; an array, or (config) => array when an option moves it
 *   otherReadPaths?  (config) => paths that belong to the kind but answer "task not found" now
 *   makesVideo?   its result's videos[0] (id v-<task_id>) is a video later creates may name by video_id
 *   makesAudioId? its result's audios[0] (id a-<task_id>) is an audio_id later creates may name
 *   options?      simulator options it reads: {name: {default, values?}} (the core applies the
 *                 defaults and refuses values not in `values`, here and at POST /__sim/config)
 *   defaultModel  the model a task runs when model_name is absent (logged on the task)
 *   modelName?(body)      where the model is named, when not body.model_name (checked by the gateway)
 *   directiveText?(body)  the text [sim:…] directives are read from (default body.prompt)
 *   validate(body, ctx)   synchronous field checks → {status, code, message} | undefined; calls
 *                         ctx.checkTaskOptions(body) (callback_url, external_task_id) where it wants
 *                         them in its order, or the core runs them after
 *   imageFields?(body)    [[field, value]] images the core loads and checks like Kling (jpg/png, …)
 *   imageProblems?        'refuse' (default: the create answers 400) | 'failTask' (the task fails)
 *   inputs?(body, ctx)    async checks that download or look things up → refusal | undefined; may
 *                         leave what it learnt in ctx.prepared (kept on the task as task.prepared)
 *   duration?(body, prepared)   the result's duration string (default body.duration ?? '5')
 *   result(task, ctx)     the task_result of a finished task
 *   file?(task, name, ctx)      {contentType, body} the CDN serves at /files/<task_id>/<name>
 *   answersAtOnce?(config)      the create answers with the finished task (no lifecycle to wait for)
 *   immediate?(body, ctx)       an answer that is not a task at all (data for the envelope)
 *   readBody?(task, data, ctx)  the whole body of a read when not the standard envelope (undefined: the envelope)
 *   errorBody?(code, message, requestId)  the body of this kind's refusals, when not {code, message}
 *   logBody(body)         the request log's copy of a create body (no base64)
 */
const KINDS = [
	require('./text2video'),
	require('./image2video'),
	require('./multi-image2video'),
	require('./omni-video'),
	require('./video-extend'),
	require('./effects'),
	require('./avatar-image2video'),
	require('./identify-face'),
	require('./advanced-lip-sync'),
	require('./image-generations'),
	require('./tts'),
	require('./text-to-audio'),
	require('./video-to-audio'),
];

const readPathsOf = (kind, config) => (typeof kind.readPaths === 'function' ? kind.readPaths(config) : kind.readPaths);

/** The kind a POST to `pathname` creates, or undefined. */
function byCreatePath(pathname) {
	return KINDS.find((kind) => kind.createPath === pathname);
}

/**
 * The kind whose read path `pathname` (<read path>/{id}) is: {kind, active, id}. `active` is false
 * for a path that belongs to the kind but answers "task not found" under the current options.
 */
function byReadPath(pathname, config) {
	const slash = pathname.lastIndexOf('/');
	const prefix = pathname.slice(0, slash);
	const id = pathname.slice(slash + 1);
	if (!id) return undefined;
	for (const kind of KINDS) {
		if (readPathsOf(kind, config).includes(prefix)) return { kind, active: true, id };
		if (kind.otherReadPaths && kind.otherReadPaths(config).includes(prefix)) return { kind, active: false, id };
	}
	return undefined;
}

function byName(name) {
	return KINDS.find((kind) => kind.kind === name);
}

/** Every option the kinds declare, set from `options` or to its default. */
function optionDefaults(options) {
	const out = {};
	for (const kind of KINDS)
		for (const [name, spec] of Object.entries(kind.options || {}))
			out[name] = options[name] ?? (typeof spec.default === 'function' ? spec.default() : spec.default);
	return out;
}

/** Why `values` (options or a /__sim/config body) holds a value a kind does not know, or undefined. */
function optionProblem(values) {
	for (const kind of KINDS)
		for (const [name, spec] of Object.entries(kind.options || {}))
			if (values[name] !== undefined && spec.values && !spec.values.includes(values[name]))
				return `${name} must be one of ${spec.values.join(', ')} (got ${JSON.stringify(values[name])})`;
	return undefined;
}

module.exports = { KINDS, byCreatePath, byReadPath, byName, readPathsOf, optionDefaults, optionProblem };
