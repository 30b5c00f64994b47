// Writes the bad-input corpus files that corpus.json describes. The files are committed;
// this script documents how the binary ones were made and regenerates them:
// `node testdata/bad/make-corpus.mjs`.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const files = path.join(here, 'files');
rmSync(files, { recursive: true, force: true });
mkdirSync(files);
const write = (name, content) => writeFileSync(path.join(files, name), content);
const utf16le = (text) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const utf16be = (text) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);

write('empty.csv', '');
write('header-only.csv', 'key,name\n');
write('blank-lines-only.csv', '\n\n\n');
write('no-key-column.csv', 'id,name\n1,x\n');
write('bom-utf8.csv', '\ufeffkey\nK-1\n');
write('bom-quoted-header.csv', '\ufeff"key","n"\n"K-1",x\n');
write('utf16le-bom-as-utf8.csv', utf16le('key\nK-1\nK-2\n'));
write('utf16le-bom.csv', utf16le('key\nK-1\nK-2\n'));
write('utf16be-bom.csv', utf16be('key\nK-1\n'));
write('utf16le-no-bom-as-utf8.csv', Buffer.from('key\nK-1\nK-2\n', 'utf16le'));
write('utf16be-no-bom-as-utf16le.csv', Buffer.from('key\nK-1\n', 'utf16le').swap16());
write('latin1.csv', Buffer.from('key\nCAF\xc9-1\nK-2\n', 'latin1'));
write('latin1-as-utf8.csv', Buffer.from('key\nCAF\xc9-1\nK-2\n', 'latin1'));
write('invalid-utf8.csv', Buffer.concat([Buffer.from('key\nK-1\nK'), Buffer.from([0xff, 0xfe]), Buffer.from('-2\nK-3\n')]));
write('nul-bytes.csv', 'key\nK-1\nK\u0000-2\nK-3\n');
write('unterminated-quote.csv', 'key,n\nK-1,a\n"K-2,b\nK-3,c\n');
write('ragged-rows.csv', 'key,a,b\nK-1,1,2\nK-2,1\nK-3,1,2,3\n');
write('ragged-rows-skip.csv', 'key,a,b\nK-1,1,2\nK-2,1\nK-3,1,2,3\n');
write('ragged-rows-fail.csv', 'key,a,b\nK-1,1,2\nK-2,1\nK-3,1,2,3\n');
write('short-row-no-key.csv', 'a,key\n1,K-1\n2\n');
write('huge-field.csv', `key\n${'A'.repeat(1 << 20)}\nK-1\n`);
write('crlf-lf-mix.csv', 'key\r\nK-1\nK-2\r\nK-3\n');
write('crlf-lf-mix-quoted.csv', '"key"\r\nK-1\n"K-2"\r\nK-3\n');
write('cr-only.csv', 'key\rK-1\rK-2\r');
write('whitespace-keys.csv', 'key\n   \n\t\nK-1\n');
write('empty-after-normalisation.csv', 'key\n!!!\n---\n###\nK-1\n');
write('formula-prefixes.csv', 'key\n=1+2\n+CMD\n-X-1\n@SUM(A1)\n\tTAB\n');
write('confusables.csv', 'key\n\u0421UST-1\n\uff23\uff35\uff33\uff34\uff0d\uff11\nK-1\n');
write('fullwidth-digits.csv', 'key\nK-\uff11\uff12\uff13\nK-1\n');
write('identical-rows-100k.csv', `key\n${'K-1\n'.repeat(100_000)}`);
mkdirSync(path.join(files, 'a-directory.csv'));
write('a-directory.csv/README', 'A folder where a CSV file should be.\n');
symlinkSync('symlink-loop-b.csv', path.join(files, 'symlink-loop.csv'));
symlinkSync('symlink-loop.csv', path.join(files, 'symlink-loop-b.csv'));
write('unreadable.csv', 'key\nK-1\n');
write('semicolon.csv', 'key;name\nK-1;a\nK-2;b\n');
write('duplicate-header.csv', 'key,key\nK-1,K-2\n');
write('spaced-header.csv', ' key ,n\nK-1,a\n');
write('key-column-other-case.csv', 'KEY,n\nK-1,a\n');
write('quoted-newline-key.csv', 'key,n\n"K\n1",a\nK-2,b\n');
write('authority-header-only.csv', 'key\n');

write('config-wrong-types.yaml', 'processing:\n  batch_size: "ten"\n  parallel: maybe\n');
write('config-unknown-key.yaml', 'authority: A\nnormalise:\n  uppercase: true\n');
write('config-yaml-syntax.yaml', 'authority: A\nsources:\n  A: {path: ./A.csv\n');
write(
  'config-billion-laughs.yaml',
  'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n' +
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n',
);
write('config-not-a-mapping.yaml', '- authority\n- A\n');
write('config-bad-delimiter.yaml', 'sources:\n  A: { path: ./A.csv, delimiter: ",," }\n');
write('config-quote-delimiter.yaml', 'sources:\n  A: { path: ./A.csv, delimiter: \'"\' }\n');
write('config-newline-delimiter.yaml', 'sources:\n  A: { path: ./A.csv }\n  B: { path: ./B.csv, delimiter: "\\n" }\n');
write('config-merge-keys.yaml', 'authority: A\nsources:\n  A: &csv { path: ./A.csv, delimiter: "," }\n  B: { <<: *csv, path: ./B.csv }\n');
write('config-authority-unknown.yaml', 'authority: Z\nsources:\n  A: { path: ./A.csv }\n');
write('config-bad-enum.yaml', 'error_handling:\n  on_missing_file: ignore\n');
write('config-absolute-paths.yaml', 'authority: A\nsources:\n  A: { path: "@WORKSPACE@/A.csv" }\n  B: { path: "@WORKSPACE@/B.csv" }\n');
write('config-dotdot-paths.yaml', 'authority: A\nsources:\n  A: { path: ../outside/A.csv }\n  B: { path: ./B.csv }\n');
console.log(`wrote the corpus to ${path.relative(process.cwd(), files)}`);
