'use strict';
/**
 * Text to audio (sound effects, music): POST /kling/v1/audio/text-to-audio, read at
 * audio/text-to-audio/{id}. prompt <= 200 (required), duration 3.0..10.0 seconds with at most one
 * decimal (required; CometAPI's example sends a number, a numeric string passes too). The result
 * is Kling's audios [{id, url_mp3, url_wav, duration_mp3, duration_wav}] (see shared.soundResult).
 */
const { checkText, first, invalid, paths, seconds, soundFile, soundResult } = require('./shared');

function checkDuration(body) {
	if (body.duration === undefined || body.duration === '') return invalid('duration is required');
	const value = typeof body.duration === 'string' ? Number(body.duration) : body.duration;
	const tenths = value * 10;
	if (typeof value !== 'number' || !(value >= 3 && value <= 10) || Math.abs(tenths - Math.round(tenths)) > 1e-9)
		return invalid(`duration ${body.duration} is invalid: 3.0 to 10.0 seconds, at most one decimal`);
	return undefined;
}

module.exports = {
	kind: 'audio/text-to-audio',
	action: 'audio',
	...paths('audio', 'text-to-audio'),
	defaultModel: 'kling-audio',
	validate(body, ctx) {
		return first(
			() => checkText(body, 'prompt', 200, { required: true }),
			() => checkDuration(body),
			() => ctx.checkTaskOptions(body),
		);
	},
	duration: (body) => seconds(Number(body.duration)),
	logBody: (body) => ({ ...body }),
	result: soundResult,
	file: soundFile,
};
