/**
 * The bench sets as documents and judged questions, read once for every runner (everyday.ts, conversation.ts,
 * calibrate.ts). SciFact is read in place from ../shared/data/scifact (non-commercial licence: never copied).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { StoredDoc } from './harness.js';
import { inSplit, type Split } from './split.js';

/** A question with the keys of the documents that answer it (none: the corpus has no answer). */
export interface JudgedQuestion {
  id: string;
  question: string;
  relevant: string[];
  /** Everyday only: paraphrase, identifier or no-answer. */
  kind?: string;
}

export interface Corpus {
  name: string;
  docs: StoredDoc[];
  questions: JudgedQuestion[];
}

const sets = resolve(import.meta.dirname, 'sets');

/** The title a person would give the file: front matter `title:`, else the first heading, else the key. */
function titleOf(key: string, content: string): string {
  const front = /^---\n[\s\S]*?^title:\s*(.+)$[\s\S]*?^---$/m.exec(content)?.[1];
  return (front ?? /^# (.+)$/m.exec(content)?.[1] ?? key).trim();
}

export function everyday(split: Split): Corpus {
  const root = resolve(sets, 'everyday');
  const docs = readdirSync(resolve(root, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .sort()
    .map((file) => {
      const content = readFileSync(resolve(root, 'docs', file), 'utf8');
      const key = file.replace(/\.md$/, '');
      return { key, title: titleOf(key, content), content };
    });
  type Raw = { id: string; domain: string; kind: string; question: string; doc: string | null };
  const all = JSON.parse(readFileSync(resolve(root, 'questions.json'), 'utf8')) as Raw[];
  const questions = inSplit(all, split, (q) => `${q.domain}:${q.kind}`).map((q) => ({
    id: q.id,
    question: q.question,
    relevant: q.doc ? [q.doc] : [],
    kind: q.kind,
  }));
  return { name: 'everyday', docs, questions };
}

/** `## Session N · date` starts a session; each `Speaker: text` line after it is one turn, one document. */
export function conversation(split: Split): Corpus {
  const root = resolve(sets, 'conversation');
  const docs: StoredDoc[] = [];
  const turnOf = new Map<string, string>();
  let session = 0;
  let date = '';
  let turn = 0;
  for (const line of readFileSync(resolve(root, 'sessions.md'), 'utf8').split('\n')) {
    const header = /^## Session (\d+) · (\d{4}-\d{2}-\d{2})$/.exec(line);
    if (header) {
      session = Number(header[1]);
      date = header[2] ?? '';
      turn = 0;
      continue;
    }
    const said = /^([A-Z][a-z]+): (.+?)(?:\s+\^([a-z0-9-]+))?$/.exec(line);
    if (!said || session === 0) continue;
    turn += 1;
    const [, speaker = '', content = '', label] = said;
    const key = `s${session}-t${String(turn).padStart(2, '0')}`;
    if (label) turnOf.set(label, key);
    docs.push({
      key,
      title: `${speaker} · session ${session} · ${date} · turn ${turn}`,
      content,
      metadata: { speaker, session, date, turn },
    });
  }
  type Raw = { id: string; question: string; evidence: string[] };
  const all = JSON.parse(readFileSync(resolve(root, 'questions.json'), 'utf8')) as Raw[];
  const questions = inSplit(all, split, (q) => (q.evidence.length > 0 ? 'answered' : 'none')).map((q) => ({
    id: q.id,
    question: q.question,
    relevant: q.evidence.map((label) => {
      const key = turnOf.get(label);
      if (!key) throw new Error(`${q.id}: unknown evidence label ${label}`);
      return key;
    }),
  }));
  return { name: 'conversation', docs, questions };
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}

/**
 * SciFact's 300 test claims over every judged abstract plus the first unjudged ones up to `size` documents
 * (a subset: the full corpus takes about an hour to embed on two cores). Claims are split like the other sets.
 */
export function scifactSubset(split: Split, size: number, data = resolve('../shared/data/scifact')): Corpus {
  const qrels = new Map<string, string[]>();
  for (const line of readFileSync(resolve(data, 'qrels.tsv'), 'utf8').split('\n').slice(1)) {
    const [query, doc, score] = line.split('\t');
    if (!query || !doc || Number(score) <= 0) continue;
    qrels.set(query, [...(qrels.get(query) ?? []), doc]);
  }
  const judged = new Set([...qrels.values()].flat());
  const corpus = readJsonl<{ _id: string; title: string; text: string }>(resolve(data, 'corpus.jsonl'));
  const chosen = [
    ...corpus.filter((d) => judged.has(d._id)),
    ...corpus.filter((d) => !judged.has(d._id)),
  ].slice(0, Math.max(size, judged.size));
  const docs = chosen.map((d) => ({
    key: d._id,
    title: d.title || d._id,
    content: d.text || d.title,
    documentType: 'text' as const,
  }));
  const claims = readJsonl<{ _id: string; text: string }>(resolve(data, 'queries.jsonl')).filter((q) =>
    qrels.has(q._id),
  );
  const questions = inSplit(
    claims.map((q) => ({ ...q, id: q._id })),
    split,
    () => 'claim',
  ).map((q) => ({
    id: q.id,
    question: q.text,
    relevant: qrels.get(q.id) ?? [],
  }));
  return { name: 'scifact-subset', docs, questions };
}
