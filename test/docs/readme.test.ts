import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README is what a newcomer reads first: short, starting with the two commands, and a map to docs/ in which every
 * page is linked once. Every relative link in it and in docs/ must lead somewhere, anchors included.
 */
const readme = readFileSync('README.md', 'utf8');
const docsPages = readdirSync('docs').filter((name) => !name.startsWith('.'));
const markdownFiles = ['README.md', ...docsPages.filter((n) => n.endsWith('.md')).map((n) => join('docs', n))];

function links(text: string): string[] {
    return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((t) => !/^[a-z]+:/.test(t));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
    const headings = [...markdown.matchAll(/^#+\s+(.+)$/gm)].map((m) => m[1] ?? '');
    return new Set(
        headings.map((h) =>
            h
                .toLowerCase()
                .replace(/[^\p{L}\p{N}\s_-]/gu, '')
                .replace(/ /g, '-'),
        ),
    );
}

describe('README', () => {
    it('opens with the two commands: run it locally, and test it', () => {
        const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
        expect(firstBlock.split('\n').map((line) => line.split('#')[0]?.trim())).toEqual([
            'npm ci && npm start',
            'npm test',
            '',
        ]);
    });

    it('is under 200 lines', () => {
        expect(readme.split('\n').length).toBeLessThan(200);
    });

    it('links every page in docs/ exactly once', () => {
        const targets = links(readme).map((t) => t.split('#')[0]);
        const counts = docsPages.map((page) => [page, targets.filter((t) => t === `docs/${page}`).length]);
        expect(counts.filter(([, n]) => n !== 1)).toEqual([]);
    });
});

describe('links in README and docs/', () => {
    it('all lead to a file that exists, and to a heading in it', () => {
        const broken = markdownFiles.flatMap((file) =>
            links(readFileSync(file, 'utf8')).flatMap((link) => {
                const [path = '', anchor] = link.split('#');
                const target = path ? normalize(join(dirname(file), path)) : file;
                if (!existsSync(target)) return [`${file}: ${link} (no such file)`];
                if (anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) {
                    return [`${file}: ${link} (no such heading)`];
                }
                return [];
            }),
        );
        expect(broken).toEqual([]);
    });
});
