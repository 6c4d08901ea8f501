'use strict';
/**
 * Omni video (Kling O1): POST /kling/v1/videos/omni-video, read at videos/omni-video/{id}.
 *
 * A prompt (<= 2500) that may cite its inputs as <<<image_N>>>, <<<element_N>>>, <<<video_N>>>
 * (a citation of an input that is not there is refused); image_list [{image_url, type?:
 * first_frame|end_frame}] checked like every Kling image; element_list [{element_id}];
 * video_list [{video_url, refer_type: feature|base, keep_original_sound: yes|no}]; images +
 * elements <= 4 with a video, <= 7 without; duration 3-10, only 5 or 10 for text-only and
 * first-frame videos, and ignored for a video edit (refer_type base: the result is as long as the
 * input); aspect_ratio 16:9|9:16|1:1, required unless a first frame or a base video sets the frame.
 *
 * Reads come in two documented shapes, chosen by the option omniReadShape: 'standard' (the usual
 * envelope) or 'legacy', CometAPI's older task wrapper
 *   {code: 'success', message: '', data: {task_id, action: 'OMNI_VIDEO', status, progress: 'NN%',
 *    fail_reason, submit_time, start_time, finish_time, data: <the standard task object>}}.
 * The wrapper is the one of the open-source gateway CometAPI's task API follows (new-api): its
 * statuses are NOT_START, SUBMITTED, QUEUED, IN_PROGRESS, FAILURE, SUCCESS, UNKNOWN, and its Kling
 * adaptor maps submitted → SUBMITTED, processing → IN_PROGRESS, succeed → SUCCESS, failed → FAILURE;
 * the simulator does the same. SUCCESS/FAILURE and progress "100%" are documented by CometAPI;
 * SUBMITTED and IN_PROGRESS are that gateway's (fairly sure, not confirmed by CometAPI); code
 * 'success' and message '' follow a sister gateway's documented example (less sure: CometAPI's
 * page shows only that code and message exist). progress grows with the task's elapsed time.
 */
const { checkEnum, checkText, first, invalid, isObject, isUrl, logged, paths, videoResult } = require('./shared');

/** "currently only kling-video-o1"; CometAPI's newer page adds kling-v3-omni. Later O-models pass too. */
const OMNI_MODELS = ['kling-video-o1', 'kling-v3-omni'];
const isOmniModel = (name) => OMNI_MODELS.includes(name) || /^kling-video-o\d/.test(name) || /-omni$/.test(name);
const RATIOS = ['16:9', '9:16', '1:1'];
const LEGACY_STATUS = { submitted: 'SUBMITTED', processing: 'IN_PROGRESS', succeed: 'SUCCESS', failed: 'FAILURE' };

const listOf = (body, field) => (Array.isArray(body[field]) ? body[field] : []);
/** refer_type defaults to base (Kling's default), so a video without one is an edit. */
const isEdit = (body) => listOf(body, 'video_list').some((v) => isObject(v) && (v.refer_type ?? 'base') === 'base');
const hasFirstFrame = (body) => listOf(body, 'image_list').some((i) => isObject(i) && i.type === 'first_frame');

function checkLists(body) {
	for (const field of ['image_list', 'element_list', 'video_list'])
		if (body[field] !== undefined && !Array.isArray(body[field])) return invalid(`${field} must be an array`);
	const images = listOf(body, 'image_list');
	for (const [k, entry] of images.entries()) {
		if (!isObject(entry) || typeof entry.image_url !== 'string' || !entry.image_url)
			return invalid(`image_list[${k}].image_url is required`);
		if (entry.type !== undefined && !['first_frame', 'end_frame'].includes(entry.type))
			return invalid(`image_list[${k}].type ${entry.type} is invalid`);
	}
	const frames = (type) => images.filter((i) => i.type === type).length;
	if (frames('first_frame') > 1 || frames('end_frame') > 1)
		return invalid('image_list may hold one first_frame and one end_frame image at most');
	if (frames('end_frame') && !frames('first_frame')) return invalid('an end_frame image needs a first_frame image');
	for (const [k, entry] of listOf(body, 'element_list').entries())
		if (!isObject(entry) || entry.element_id === undefined || entry.element_id === null || entry.element_id === '')
			return invalid(`element_list[${k}].element_id is required`);
	const videos = listOf(body, 'video_list');
	if (videos.length > 1) return invalid('video_list may hold one video');
	for (const [k, entry] of videos.entries()) {
		if (!isObject(entry) || !isUrl(entry.video_url))
			return invalid(`video_list[${k}].video_url must be an http(s) URL`);
		if (entry.refer_type !== undefined && !['feature', 'base'].includes(entry.refer_type))
			return invalid(`video_list[${k}].refer_type ${entry.refer_type} is invalid`);
		if (entry.keep_original_sound !== undefined && !['yes', 'no'].includes(entry.keep_original_sound))
			return invalid(`video_list[${k}].keep_original_sound must be yes or no`);
	}
	const inputs = images.length + listOf(body, 'element_list').length;
	const max = videos.length ? 4 : 7;
	if (inputs > max)
		return invalid(
			`image_list and element_list hold ${inputs} inputs; at most ${max} are allowed ${videos.length ? 'with' : 'without'} a reference video`,
		);
	return undefined;
}

/** Every <<<image_N>>>, <<<element_N>>>, <<<video_N>>> must name an input that is there (N from 1). */
function checkCitations(body) {
	const lists = { image: 'image_list', element: 'element_list', video: 'video_list' };
	for (const [, type, n] of String(body.prompt).matchAll(/<<<(image|element|video)_(\d+)>>>/g)) {
		const count = listOf(body, lists[type]).length;
		if (Number(n) < 1 || Number(n) > count)
			return invalid(
				`prompt cites <<<${type}_${n}>>> but ${lists[type]} holds ${count} ${type}${count === 1 ? '' : 's'}`,
			);
	}
	return undefined;
}

function checkShape(body) {
	const edit = isEdit(body);
	const firstFrame = hasFirstFrame(body);
	const textOnly =
		!listOf(body, 'image_list').length && !listOf(body, 'element_list').length && !listOf(body, 'video_list').length;
	if (body.duration !== undefined && !edit) {
		const allowed = textOnly || firstFrame ? ['5', '10'] : ['3', '4', '5', '6', '7', '8', '9', '10'];
		if (!allowed.includes(String(body.duration)))
			return invalid(
				`duration ${body.duration} is invalid: ${textOnly || firstFrame ? '5 or 10 for a text-only or first-frame video' : '3 to 10'}`,
			);
	}
	if (body.aspect_ratio === undefined && !firstFrame && !edit)
		return invalid('aspect_ratio is required unless a first_frame image or a base video sets the frame');
	return checkEnum(body, 'aspect_ratio', RATIOS);
}

/** 'NN%' growing with the task's elapsed time; 100% once it is over. */
function progress(task, now) {
	if (task.status === 'succeed' || task.status === 'failed') return '100%';
	const share = task.durationMs > 0 ? (now - task.createdAt) / task.durationMs : 0;
	return `${Math.floor(Math.min(0.99, Math.max(0, share)) * 100)}%`;
}

module.exports = {
	kind: 'omni-video',
	action: 'videos',
	...paths('videos', 'omni-video'),
	makesVideo: true,
	defaultModel: 'kling-video-o1',
	options: { omniReadShape: { default: 'standard', values: ['standard', 'legacy'] } },
	validate(body, ctx) {
		return first(
			() =>
				body.model_name !== undefined && !isOmniModel(body.model_name)
					? invalid(`model_name ${body.model_name} is not an Omni video model (kling-video-o1)`)
					: undefined,
			() => checkText(body, 'prompt', 2500, { required: true }),
			() => checkLists(body),
			() => checkCitations(body),
			() => checkShape(body),
			() => checkEnum(body, 'mode', ['std', 'pro']),
			() => ctx.checkTaskOptions(body),
		);
	},
	imageFields: (body) => listOf(body, 'image_list').map((entry, k) => [`image_list[${k}].image_url`, entry.image_url]),
	inputs(body, ctx) {
		// A base video sets the length; the simulator knows it only for its own videos (5 s otherwise).
		const base = listOf(body, 'video_list').find((v) => (v.refer_type ?? 'base') === 'base');
		if (base) ctx.prepared.baseDurationS = ctx.findVideoByUrl(base.video_url)?.durationS ?? 5;
		return undefined;
	},
	duration: (body, prepared) =>
		prepared.baseDurationS !== undefined ? String(prepared.baseDurationS) : String(body.duration ?? '5'),
	logBody(body) {
		const { image_list, ...rest } = body;
		if (image_list !== undefined)
			rest.image_list = Array.isArray(image_list)
				? image_list.map((e) => ({ image_url: logged(e?.image_url), type: e?.type }))
				: image_list;
		return rest;
	},
	result: videoResult,
	readBody(task, data, ctx) {
		if (ctx.config.omniReadShape !== 'legacy') return undefined;
		const final = task.status === 'succeed' || task.status === 'failed';
		return {
			code: 'success',
			message: '',
			data: {
				task_id: task.id,
				action: 'OMNI_VIDEO',
				status: LEGACY_STATUS[task.status],
				progress: progress(task, ctx.now()),
				fail_reason: task.status === 'failed' ? task.failMessage : '',
				submit_time: Math.floor(task.createdAt / 1000),
				start_time:
					task.status === 'submitted'
						? 0
						: Math.floor((task.createdAt + Math.min(ctx.config.submittedMs, task.durationMs)) / 1000),
				finish_time: final ? Math.floor(task.updatedAt / 1000) : 0,
				data,
			},
		};
	},
};
