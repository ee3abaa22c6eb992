// Copies the SVG/PNG icons next to the compiled nodes and credentials: tsc
// only emits .js/.d.ts, and n8n resolves `file:` icons relative to dist/.
const path = require('node:path');
const { src, dest, parallel } = require('gulp');

function copyIcons(folder) {
	const copy = () =>
		src(path.resolve(folder, '**', '*.{png,svg}'), { encoding: false }).pipe(
			dest(path.resolve('dist', folder)),
		);
	copy.displayName = `icons:${folder}`;
	return copy;
}

exports['build:icons'] = parallel(copyIcons('nodes'), copyIcons('credentials'));
