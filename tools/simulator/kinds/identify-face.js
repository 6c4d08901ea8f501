'use strict';
/**
 * Lip sync, step 1: POST /kling/v1/videos/identify-face finds the faces in a video and answers AT
 * ONCE (not a task): {session_id, face_data: [{face_id, face_image, start_time, end_time}]}, times
 * in ms. Exactly one of video_id (a video this simulator made) or video_url (any http(s) URL; not
 * downloaded). The session (kept for advanced-lip-sync) is not in `tasks`.
 *
 * How many faces: none when the video_url contains "noface" or the video's task had [sim:noface]
 * in its prompt; two for "twofaces" / [sim:twofaces]; one otherwise. A video with no face answers
 * face_data [] (Kling's docs do not say whether that is an empty list or an error: the simulator's
 * choice). The face images are 300x300 PNGs on the CDN, expiring like every link.
 */
const { exactlyOne, first, invalid, isUrl, paths } = require('./shared');

function faceCount(body, source, ctx) {
	const url = body.video_url ?? '';
	if (/noface/i.test(url) || (source && ctx.directive(source.task.prompt, 'noface'))) return 0;
	if (/two-?faces/i.test(url) || (source && ctx.directive(source.task.prompt, 'twofaces'))) return 2;
	return 1;
}

module.exports = {
	kind: 'identify-face',
	action: 'videos',
	createPath: paths('videos', 'identify-face').createPath,
	// Not a task: nothing to read.
	readPaths: [],
	defaultModel: 'kling-v1',
	directiveText: () => '',
	validate(body) {
		return first(
			() => exactlyOne(body, 'video_id', 'video_url'),
			() =>
				body.video_url !== undefined && !isUrl(body.video_url)
					? invalid('video_url must be an http(s) URL')
					: undefined,
		);
	},
	inputs(body, ctx) {
		const source = body.video_id !== undefined ? ctx.findVideo(body.video_id) : ctx.findVideoByUrl(body.video_url);
		if (body.video_id !== undefined && !source)
			return invalid(`video_id ${body.video_id} is not a video Kling made (unknown, not finished, or expired)`);
		ctx.prepared.faces = faceCount(body, source, ctx);
		ctx.prepared.videoDurationMs = Math.round((source ? source.durationS : 5) * 1000);
		return undefined;
	},
	immediate(body, ctx) {
		const id = `${Date.now()}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
		const end = ctx.prepared.videoDurationMs;
		const session = {
			id,
			kind: 'identify-face',
			status: 'succeed',
			createdAt: ctx.now(),
			expiresAt: ctx.now() + ctx.config.linkTtlMs,
			videoDurationMs: end,
			source: body.video_id !== undefined ? { video_id: body.video_id } : { video_url: body.video_url },
			faces: Array.from({ length: ctx.prepared.faces }, (_, k) => ({
				face_id: String(k),
				start_time: k === 0 ? 0 : Math.min(1200, end),
				end_time: end,
			})),
		};
		ctx.sessions.set(id, session);
		ctx.record.sessionId = id;
		return {
			session_id: id,
			face_data: session.faces.map((face) => ({
				face_id: face.face_id,
				face_image: ctx.fileUrl(session, `face-${face.face_id}.png`),
				start_time: face.start_time,
				end_time: face.end_time,
			})),
		};
	},
	file(session, name, ctx) {
		const match = /^face-(\d+)\.png$/.exec(name);
		if (!match || !session.faces.some((face) => face.face_id === match[1])) return undefined;
		return {
			contentType: 'image/png',
			body: ctx.media.png(300, 300, match[1] === '0' ? [0xe0, 0xb0, 0x90] : [0x90, 0x70, 0x60]),
		};
	},
	logBody: (body) => ({ ...body }),
};
