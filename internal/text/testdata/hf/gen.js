// gen.js writes the Hugging Face tokenizer fixtures of internal/text and the
// ids that the reference implementation gives for them.
//
// The reference is Hugging Face's tokenizers library (Rust, 0.22.x) through
// its Node binding @anush008/tokenizers, which ships the library prebuilt.
// From this folder:
//
//   npm install && node gen.js
//
// It trains three small tokenizers on the training texts of
// configs/data/godoc-train.csv plus the multilingual lines below, trims each
// to a small vocabulary, and writes
//
//   wordpiece.json  BERT-style: BertNormalizer (lowercase, strip accents),
//                   BertPreTokenizer, WordPiece with [UNK], [CLS] … [SEP]
//   bpe.json        RoBERTa-style: ByteLevel pre-tokenizer, byte-level BPE,
//                   <s> … </s>, padding token <pad> at id 1
//   unigram.json    T5-style: Nmt + NFKC, Metaspace, Unigram with <unk>,
//                   … </s> from a TemplateProcessing
//   expected.json   for each file and each sentence of SENTENCES, the ids and
//                   tokens of tokenizer.encode(sentence) (special tokens added)
//
// Training is not repeatable bit for bit (the library breaks some ties in
// hash order), so a rerun may write other vocabularies; the files are
// reloaded with Tokenizer.fromFile before encoding, so expected.json always
// holds the ids of the files written with it.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const tk = require('@anush008/tokenizers');

const root = path.join(__dirname, '..', '..', '..', '..');

// Lines written for this corpus, so that accents, other scripts and emoji
// have pieces of their own.
const MULTILINGUAL = [
  'Le café est déjà prêt : crème, brûlée et pâtisserie à volonté.',
  'Où se trouve la gare ? À gauche, après l\'église.',
  'Die Straße ist schön, aber die Brücke über den Fluss ist gesperrt.',
  'Größere Übungen für Schüler und Lehrer.',
  'El niño comió una piña en la montaña; ¿quién pagó la cuenta?',
  'A situação não é fácil, mas a solução está próxima.',
  'Быстрая коричневая лиса прыгает через ленивую собаку.',
  'Привет, мир! Это проверка токенизатора.',
  'Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο.',
  '我们今天学习自然语言处理和机器学习。',
  '东京和北京都是很大的城市。',
  '日本語の文章を分割するテストです。',
  '東京は日本の首都です。',
  '한국어 문장도 처리할 수 있어야 합니다.',
  'مرحبا بالعالم، هذه جملة عربية.',
  'यह एक हिंदी वाक्य है।',
  'İstanbul\'da ılık bir gün; Ağrı Dağı çok yüksek.',
  'Tiếng Việt có nhiều dấu thanh điệu.',
  'Emoji are text too: 🙂 😀 🚀 🔥 ❤️ 👍🏽 🇫🇷.',
  'Prices: 3.14, 1,000,000 and 42% on 2024-06-30 at 10:15.',
];

// Sentences the fixtures are checked on: accents, other scripts, emoji,
// punctuation, numbers, unknown words, odd spacing, and in-domain text.
const SENTENCES = [
  '',
  'Hello, world!',
  'The quick brown fox jumps over the lazy dog.',
  'Crème brûlée à Paris, naïve café, jalapeño.',
  'Cafe\u0301 with a combining accent, and Ǆemal.',
  'STRASSE vs. Straße; İstanbul and ıdı.',
  '東京は日本の首都です。',
  '我爱自然语言处理，你呢？',
  '한국어 문장과 English mixed together.',
  'Привет, мир! Γειά σου Κόσμε!',
  'مرحبا بالعالم',
  'I ❤️ Go 🚀🔥 and 👍🏽 — family: 👨‍👩‍👧‍👦, flag: 🇯🇵',
  'Wait... what?! (x+y)*z = 42; a->b, c::d, e_f.',
  '"Quoted" \'single\' «guillemets» „low“ — en–dash',
  '3.14159, 1,000,000 and 2024-06-30T10:15:00Z; 0xDEADBEEF; ½ ² ٣',
  'Supercalifragilisticexpialidocious xyzzy qwfp zxcvbnm',
  'antidisestablishmentarianism' + 'x'.repeat(100),
  'tabs\tand\nnewlines\r\n   and    spaces  ',
  'Zero\u200Bwidth space, soft\u00ADhyphen, NBSP\u00A0here, control\u0007bell.',
  'URL https://example.com/a?b=c&d=e and mail user@example.org',
  '[CLS] <s> </s> [SEP] [UNK] <unk> <pad> [MASK] literal specials',
  'ReadFile reads the named file and returns the contents.',
  'NewCipher creates and returns a new cipher.Block.',
  'ListenAndServe listens on the TCP network address addr and then calls Serve.',
  'Sqrt returns the square root of x.',
  'Unmarshal parses the JSON-encoded data and stores the result in the value pointed to by v.',
  'HTTP/2 TLS 1.3 SHA-256 AES-GCM UTF-8 x86_64 GOARCH=amd64',
];

// readColumn returns one column of a CSV file (RFC 4180 quoting).
function readColumn(file, name) {
  const s = fs.readFileSync(file, 'utf8');
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  const col = rows[0].indexOf(name);
  return rows.slice(1).map((r) => r[col]);
}

// trained trains t on the corpus and returns it as parsed tokenizer.json.
function trained(t, corpusFile) {
  t.train([corpusFile]);
  const f = path.join(os.tmpdir(), 'exp-hf-trained.json');
  t.save(f, false);
  return JSON.parse(fs.readFileSync(f, 'utf8'));
}

// chars is the number of code points of s.
const chars = (s) => Array.from(s).length;

function wordpiece(corpusFile) {
  const normalizer = () => tk.bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase: true });
  const t = new tk.Tokenizer(tk.WordPiece.init({}, { unkToken: '[UNK]' }));
  t.setNormalizer(normalizer());
  t.setPreTokenizer(tk.bertPreTokenizer());
  const learned = Object.entries(trained(t, corpusFile).model.vocab).sort((a, b) => a[1] - b[1]);
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const vocab = {};
  for (const s of specials) vocab[s] = Object.keys(vocab).length;
  // Every single character (with and without ##) and the first pieces learned.
  let rest = 1500;
  for (const [tok] of learned) {
    if (tok in vocab) continue;
    const single = chars(tok.replace(/^##/, '')) === 1;
    if (single || rest-- > 0) vocab[tok] = Object.keys(vocab).length;
  }
  const w = new tk.Tokenizer(tk.WordPiece.init(vocab, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 }));
  w.setNormalizer(normalizer());
  w.setPreTokenizer(tk.bertPreTokenizer());
  w.setPostProcessor(tk.bertProcessing(['[SEP]', vocab['[SEP]']], ['[CLS]', vocab['[CLS]']]));
  w.setDecoder(tk.wordPieceDecoder('##', true));
  w.addSpecialTokens(specials);
  return w;
}

function bpe(corpusFile) {
  const t = new tk.Tokenizer(tk.BPE.empty());
  t.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
  const model = trained(t, corpusFile).model;
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  const vocab = {};
  const add = (tok) => { if (!(tok in vocab)) vocab[tok] = Object.keys(vocab).length; };
  specials.forEach(add);
  // The 256 byte symbols, so that any text has pieces, then the first merges.
  for (const [tok] of Object.entries(model.vocab).sort((a, b) => a[1] - b[1])) {
    if (chars(tok) === 1) add(tok);
  }
  tk.byteLevelAlphabet().sort().forEach(add);
  const merges = model.merges.slice(0, 1500).map((m) => (typeof m === 'string' ? m.split(' ') : m));
  for (const [a, b] of merges) add(a + b);
  const b = new tk.Tokenizer(tk.BPE.init(vocab, merges, {}));
  b.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
  b.setPostProcessor(tk.robertaProcessing(['</s>', vocab['</s>']], ['<s>', vocab['<s>']], true, false));
  b.addSpecialTokens(specials);
  return b;
}

function unigram(corpusFile) {
  const normalizer = () => tk.sequenceNormalizer([tk.nmt(), tk.nfkcNormalizer()]);
  const t = new tk.Tokenizer(tk.Unigram.empty());
  t.setNormalizer(normalizer());
  t.setPreTokenizer(tk.metaspacePreTokenizer('▁', 'always'));
  const learned = trained(t, corpusFile).model.vocab;
  const specials = ['<pad>', '</s>', '<unk>'];
  const vocab = specials.map((s) => [s, 0]);
  // Every single character and the best-scoring pieces, in the trainer's order.
  let rest = 1500;
  for (const [piece, score] of learned) {
    if (specials.includes(piece)) continue;
    if (chars(piece) === 1 || rest-- > 0) vocab.push([piece, score]);
  }
  const u = new tk.Tokenizer(tk.Unigram.init(vocab, { unkId: 2, byteFallback: false }));
  u.setNormalizer(normalizer());
  u.setPreTokenizer(tk.metaspacePreTokenizer('▁', 'always'));
  u.setDecoder(tk.metaspaceDecoder('▁', 'always'));
  u.setPostProcessor(tk.templateProcessing('$A </s>', '$A </s> $B </s>', [['</s>', 1]]));
  u.addSpecialTokens(specials);
  return u;
}

// byteLevelDecoder adds the ByteLevel decoder, which the binding cannot
// build, to a saved byte-level tokenizer.
function byteLevelDecoder(file) {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  j.decoder = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  fs.writeFileSync(file, JSON.stringify(j, null, 2) + '\n');
}

async function main() {
  const texts = readColumn(path.join(root, 'configs', 'data', 'godoc-train.csv'), 'text');
  const corpusFile = path.join(os.tmpdir(), 'exp-hf-corpus.txt');
  fs.writeFileSync(corpusFile, texts.concat(MULTILINGUAL, MULTILINGUAL).join('\n') + '\n');

  const expected = { library: 'tokenizers (Rust) via @anush008/tokenizers ' + require('@anush008/tokenizers/package.json').version, files: {} };
  const build = { 'wordpiece.json': wordpiece, 'bpe.json': bpe, 'unigram.json': unigram };
  for (const [name, make] of Object.entries(build)) {
    const file = path.join(__dirname, name);
    make(corpusFile).save(file, true);
    if (name === 'bpe.json') byteLevelDecoder(file);
    const t = tk.Tokenizer.fromFile(file);
    const cases = [];
    for (const s of SENTENCES) {
      const e = await t.encode(s);
      cases.push({ text: s, ids: e.getIds(), tokens: e.getTokens() });
    }
    expected.files[name] = { vocab_size: t.getVocabSize(true), cases };
  }
  // One case a line, so that a change shows as a small diff.
  const lines = [];
  for (const [name, f] of Object.entries(expected.files)) {
    const cases = f.cases.map((c) => '    ' + JSON.stringify(c)).join(',\n');
    lines.push(`  ${JSON.stringify(name)}: {"vocab_size": ${f.vocab_size}, "cases": [\n${cases}\n  ]}`);
  }
  const out = `{"library": ${JSON.stringify(expected.library)}, "files": {\n${lines.join(',\n')}\n}}\n`;
  JSON.parse(out);
  fs.writeFileSync(path.join(__dirname, 'expected.json'), out);
}

main().catch((e) => { console.error(e); process.exit(1); });
