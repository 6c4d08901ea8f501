'use strict';
/**
 * Bytes for the simulator: how it inspects what callers send (images, sound files) and the small
 * files its CDN serves (the MP4 fixture, PNG images and MP3/WAV audio made in code). Written
 * independently of the node's own parsers, so the two check each other.
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const zlib = require('node:zlib');

const FIXTURE = path.join(__dirname, 'sample.mp4');
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const MAX_SOUND_BYTES = 5 * 1024 * 1024;

const isUrl = (value) => typeof value === 'string' && /^https?:\/\//.test(value);

/** Format and pixel size of a JPG or PNG, written independently of the node's parser. */
function imageInfo(buffer) {
	if (buffer.length >= 24 && buffer.readUInt32BE(0) === 0x89504e47 && buffer.toString('latin1', 12, 16) === 'IHDR') {
		return { format: 'png', width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
	}
	if (buffer[0] === 0xff && buffer[1] === 0xd8) {
		let i = 2;
		while (i + 9 < buffer.length) {
			if (buffer[i] !== 0xff) return undefined;
			const marker = buffer[i + 1];
			if (marker === 0xff) {
				i++;
				continue;
			}
			const length = buffer.readUInt16BE(i + 2);
			if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
				return { format: 'jpeg', height: buffer.readUInt16BE(i + 5), width: buffer.readUInt16BE(i + 7) };
			}
			i += 2 + length;
		}
	}
	return undefined;
}

/** Kling's rules for one image (jpg/png, <= 10 MB, >= 300 px per side, 1:2.5..2.5:1); a message when broken. */
function imageProblem(field, buffer) {
	if (buffer.length > MAX_IMAGE_BYTES) return `${field} exceeds 10MB`;
	const info = imageInfo(buffer);
	if (!info) return `${field} is not a valid jpg/png image`;
	if (Math.min(info.width, info.height) < 300) return `${field} resolution must be at least 300x300px`;
	const ratio = info.width / info.height;
	if (ratio > 2.5 || ratio < 0.4) return `${field} aspect ratio must be between 1:2.5 and 2.5:1`;
	return undefined;
}

/**
 * A media field as Kling takes it: an http(s) URL it downloads, or base64 without a data: prefix.
 * `check(field, buffer)` returns a message when the bytes are not acceptable.
 */
async function loadMedia(field, value, check) {
	if (typeof value !== 'string' || !value) return { problem: `${field} is required` };
	if (isUrl(value)) {
		try {
			const response = await fetch(value, { signal: AbortSignal.timeout(5000) });
			if (!response.ok) return { problem: `${field} could not be downloaded (HTTP ${response.status})` };
			const buffer = Buffer.from(await response.arrayBuffer());
			return { buffer, problem: check(field, buffer) };
		} catch (error) {
			return { problem: `${field} could not be downloaded (${error.message})` };
		}
	}
	if (value.startsWith('data:')) return { problem: `${field} base64 must not carry a data: prefix` };
	if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return { problem: `${field} is neither a URL nor base64` };
	const buffer = Buffer.from(value, 'base64');
	return { buffer, problem: check(field, buffer) };
}

const loadImage = (field, value) => loadMedia(field, value, imageProblem);

/** What the request log keeps of an image: its size and digest, not megabytes of base64. */
function imageSummary(value, buffer) {
	if (isUrl(value)) return value;
	const info = buffer && imageInfo(buffer);
	return {
		base64Bytes: buffer ? buffer.length : 0,
		sha256: buffer ? crypto.createHash('sha256').update(buffer).digest('hex') : undefined,
		...(info || {}),
	};
}

// ---------------------------------------------------------------------------------------------
// Sound files (sound_file of avatar and lip sync): MP3, WAV, M4A or AAC, <= 5 MB, 2-60 s.

const MPEG_RATES = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };
const MPEG_L3_KBPS = {
	mpeg1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
	mpeg2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};

/** One MPEG audio layer III frame header at `i`, or undefined. */
function mpegFrame(buffer, i) {
	if (i + 4 > buffer.length || buffer[i] !== 0xff || (buffer[i + 1] & 0xe0) !== 0xe0) return undefined;
	const version = (buffer[i + 1] >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
	const layer = (buffer[i + 1] >> 1) & 3; // 1 = layer III
	const bitrateIndex = buffer[i + 2] >> 4;
	const rateIndex = (buffer[i + 2] >> 2) & 3;
	if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
	const sampleRate = MPEG_RATES[version][rateIndex];
	const kbps = MPEG_L3_KBPS[version === 3 ? 'mpeg1' : 'mpeg2'][bitrateIndex];
	const padding = (buffer[i + 2] >> 1) & 1;
	const mono = buffer[i + 3] >> 6 === 3;
	const samples = version === 3 ? 1152 : 576;
	const size = Math.floor(((samples / 8) * kbps * 1000) / sampleRate) + padding;
	const sideInfo = version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17;
	return { sampleRate, kbps, size, samples, sideInfo };
}

/** MP3: its length from a Xing/Info frame count when present, else from the first frame's bit rate (CBR). */
function mp3Info(buffer) {
	let start = 0;
	if (buffer.toString('latin1', 0, 3) === 'ID3' && buffer.length >= 10) {
		start =
			10 + (((buffer[6] & 0x7f) << 21) | ((buffer[7] & 0x7f) << 14) | ((buffer[8] & 0x7f) << 7) | (buffer[9] & 0x7f));
	}
	const frame = mpegFrame(buffer, start);
	if (!frame) return undefined;
	const tag = buffer.toString('latin1', start + 4 + frame.sideInfo, start + 8 + frame.sideInfo);
	if ((tag === 'Xing' || tag === 'Info') && buffer.readUInt32BE(start + 8 + frame.sideInfo) & 1) {
		const frames = buffer.readUInt32BE(start + 12 + frame.sideInfo);
		return { format: 'mp3', durationS: (frames * frame.samples) / frame.sampleRate };
	}
	return { format: 'mp3', durationS: ((buffer.length - start) * 8) / (frame.kbps * 1000) };
}

/** WAV (RIFF/WAVE): the data chunk's size over the byte rate of its fmt chunk. */
function wavInfo(buffer) {
	if (buffer.length < 12 || buffer.toString('latin1', 0, 4) !== 'RIFF' || buffer.toString('latin1', 8, 12) !== 'WAVE')
		return undefined;
	let byteRate;
	for (let i = 12; i + 8 <= buffer.length;) {
		const id = buffer.toString('latin1', i, i + 4);
		const size = buffer.readUInt32LE(i + 4);
		if (id === 'fmt ' && i + 20 <= buffer.length) byteRate = buffer.readUInt32LE(i + 16);
		if (id === 'data') return { format: 'wav', durationS: byteRate ? size / byteRate : undefined };
		i += 8 + size + (size % 2);
	}
	return { format: 'wav', durationS: undefined };
}

/** M4A (an MP4 file with an audio brand): the length in its mvhd box. */
function m4aInfo(buffer) {
	if (buffer.length < 12 || buffer.toString('latin1', 4, 8) !== 'ftyp') return undefined;
	const brand = buffer.toString('latin1', 8, 12);
	if (!/^(M4A |M4B |mp42|isom|mp41|dash)$/.test(brand)) return undefined;
	const find = (from, to, name) => {
		for (let i = from; i + 8 <= to;) {
			const size = buffer.readUInt32BE(i);
			if (size < 8) return undefined;
			if (buffer.toString('latin1', i + 4, i + 8) === name) return { start: i + 8, end: Math.min(to, i + size) };
			i += size;
		}
		return undefined;
	};
	// An MP4 with a video track is a video, not an M4A.
	for (let i = buffer.indexOf('hdlr', 0, 'latin1'); i >= 0; i = buffer.indexOf('hdlr', i + 4, 'latin1'))
		if (buffer.toString('latin1', i + 12, i + 16) === 'vide') return undefined;
	const moov = find(0, buffer.length, 'moov');
	const mvhd = moov && find(moov.start, moov.end, 'mvhd');
	if (!mvhd) return { format: 'm4a', durationS: undefined };
	const v1 = buffer[mvhd.start] === 1;
	const timescale = buffer.readUInt32BE(mvhd.start + (v1 ? 20 : 12));
	const duration = v1 ? Number(buffer.readBigUInt64BE(mvhd.start + 24)) : buffer.readUInt32BE(mvhd.start + 16);
	return { format: 'm4a', durationS: timescale ? duration / timescale : undefined };
}

/** AAC in ADTS frames: the format is recognisable, the length is not stated anywhere. */
function aacInfo(buffer) {
	if (buffer.length >= 7 && buffer[0] === 0xff && (buffer[1] & 0xf6) === 0xf0)
		return { format: 'aac', durationS: undefined };
	return undefined;
}

/** {format, durationS?} of a sound file, judged from its header bytes; undefined when not MP3/WAV/M4A/AAC. */
function audioInfo(buffer) {
	return wavInfo(buffer) || m4aInfo(buffer) || aacInfo(buffer) || mp3Info(buffer);
}

/** Kling's rules for a sound_file (MP3/WAV/M4A/AAC, <= 5 MB, 2-60 s where the format states its length). */
function audioProblem(field, buffer) {
	if (buffer.length > MAX_SOUND_BYTES) return `${field} exceeds 5MB`;
	const info = audioInfo(buffer);
	if (!info) return `${field} is not a valid mp3/wav/m4a/aac audio file`;
	if (info.durationS !== undefined && (info.durationS < 2 || info.durationS > 60))
		return `${field} must be 2 to 60 seconds long (it is ${info.durationS.toFixed(1)}s)`;
	return undefined;
}

const loadAudio = (field, value) => loadMedia(field, value, audioProblem);

/** What the request log keeps of a sound file. */
function audioSummary(value, buffer) {
	if (isUrl(value)) return value;
	const info = buffer && audioInfo(buffer);
	return {
		base64Bytes: buffer ? buffer.length : 0,
		sha256: buffer ? crypto.createHash('sha256').update(buffer).digest('hex') : undefined,
		...(info || {}),
	};
}

// ---------------------------------------------------------------------------------------------
// Files the CDN serves.

let fixture;
/** The MP4 every video result is (sample.mp4, 4 KB). */
const mp4 = () => (fixture ??= fs.readFileSync(FIXTURE));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});
function crc32(buffer) {
	let c = 0xffffffff;
	for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

/** A valid PNG of one colour (8-bit RGB), a few hundred bytes even at 1000 px. */
function png(width, height, rgb = [0x3a, 0x7b, 0xd5]) {
	const chunk = (type, data) => {
		const length = Buffer.alloc(4);
		length.writeUInt32BE(data.length);
		const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
		const crc = Buffer.alloc(4);
		crc.writeUInt32BE(crc32(body));
		return Buffer.concat([length, body, crc]);
	};
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header[8] = 8; // bit depth
	header[9] = 2; // colour type: RGB
	const row = Buffer.alloc(1 + width * 3);
	for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
	const raw = Buffer.concat(Array.from({ length: height }, () => row));
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', zlib.deflateSync(raw)),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

/** Pixel size of a generated image for an aspect ratio: the short side 300 px, so it is a valid Kling input. */
function imageSize(aspectRatio = '1:1') {
	const [w, h] = String(aspectRatio).split(':').map(Number);
	if (!(w > 0 && h > 0)) return { width: 300, height: 300 };
	return w >= h ? { width: Math.round((300 * w) / h), height: 300 } : { width: 300, height: Math.round((300 * h) / w) };
}

/**
 * A silent MP3 of about `seconds`: MPEG-2 layer III, 16 kHz mono, 8 kbit/s (36-byte frames of
 * 36 ms, all-zero side info = silence), the first frame an "Info" frame stating the frame count.
 */
function mp3(seconds) {
	const frames = Math.max(2, Math.round((seconds * 16000) / 576)) + 1;
	const frame = () => {
		const f = Buffer.alloc(36);
		f.set([0xff, 0xf3, 0x18, 0xc4]);
		return f;
	};
	const info = frame();
	info.write('Info', 13, 'latin1');
	info.writeUInt32BE(1, 17); // flags: the frame count follows
	info.writeUInt32BE(frames - 1, 21);
	return Buffer.concat([info, ...Array.from({ length: frames - 1 }, frame)]);
}

/** A silent WAV of `seconds`: 8 kHz, 8-bit mono PCM (8 KB a second). */
function wav(seconds) {
	const size = Math.round(seconds * 8000);
	const header = Buffer.alloc(44);
	header.write('RIFF', 0, 'latin1');
	header.writeUInt32LE(36 + size, 4);
	header.write('WAVEfmt ', 8, 'latin1');
	header.writeUInt32LE(16, 16);
	header.writeUInt16LE(1, 20); // PCM
	header.writeUInt16LE(1, 22); // mono
	header.writeUInt32LE(8000, 24);
	header.writeUInt32LE(8000, 28); // byte rate
	header.writeUInt16LE(1, 32); // block align
	header.writeUInt16LE(8, 34); // bits per sample
	header.write('data', 36, 'latin1');
	header.writeUInt32LE(size, 40);
	return Buffer.concat([header, Buffer.alloc(size, 0x80)]);
}

module.exports = {
	FIXTURE,
	isUrl,
	imageInfo,
	imageProblem,
	loadImage,
	imageSummary,
	audioInfo,
	audioProblem,
	loadAudio,
	audioSummary,
	mp4,
	png,
	imageSize,
	mp3,
	wav,
};
