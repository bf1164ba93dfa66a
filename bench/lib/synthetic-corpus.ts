/**
 * Deterministic synthetic documents and queries for scale benches. The vocabulary is the distinct words of the
 * repository's own everyday set (bench/sets/everyday/docs, ~2,700 English words), ranked by their frequency
 * there and drawn with a Zipf law, so a few words are in nearly every chunk (long keyword postings) and most
 * are rare. Each document belongs to a topic (a small set of mid- and low-frequency words, topics themselves
 * Zipf-sized) and sometimes a second one, so documents of a topic share words and nearest neighbours follow
 * topics. Document `i` depends only on (seed, i): a corpus can be loaded in any order, and grown.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** mulberry32: a tiny seeded PRNG with a full 2^32 period, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples ranks 0..n-1 with P(r) ∝ 1 / (r + 1)^s. */
function zipf(n: number, s: number): (random: () => number) => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) {
    total += 1 / (r + 1) ** s;
    cumulative[r] = total;
  }
  return (random) => {
    const target = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export type DocumentLength = 'long' | 'short';

export interface SyntheticQuery {
  text: string;
  /** common: mostly frequent words (long postings); topical: a topic's words; rare: includes a rare word. */
  kind: 'common' | 'topical' | 'rare';
}

export interface Corpus {
  vocabularySize: number;
  topics: number;
  document(i: number): { title: string; content: string };
  queries(count: number): SyntheticQuery[];
}

const TOPICS = 400;
const TOPIC_WORDS = 12;
/** Topic words are drawn from below this many most frequent words, so a topic is not made of "the" and "and". */
const TOPIC_SKIP = 150;

function vocabulary(): string[] {
  const dir = join(import.meta.dirname, '..', 'sets', 'everyday', 'docs');
  const counts = new Map<string, number>();
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.md')) continue;
    for (const word of readFileSync(join(dir, name), 'utf8')
      .toLowerCase()
      .match(/[a-z]+/g) ?? []) {
      if (word.length >= 3) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([word]) => word);
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function syntheticCorpus(seed: number, length: DocumentLength = 'long'): Corpus {
  const words = vocabulary();
  const globalRank = zipf(words.length, 1.05);
  const topicRank = zipf(TOPICS, 0.7);
  const withinTopic = zipf(TOPIC_WORDS, 0.8);
  const setup = prng(seed ^ 0x5eed);
  const topics = Array.from({ length: TOPICS }, () =>
    Array.from(
      { length: TOPIC_WORDS },
      () => words[TOPIC_SKIP + Math.floor(setup() * (words.length - TOPIC_SKIP))] as string,
    ),
  );
  const globalWord = (random: () => number) => words[globalRank(random)] as string;
  const topicWord = (topic: number, random: () => number) =>
    (topics[topic] as string[])[withinTopic(random)] as string;
  const between = (random: () => number, lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

  function document(i: number): { title: string; content: string } {
    const random = prng(Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b));
    const primary = topicRank(random);
    const secondary = random() < 0.3 ? topicRank(random) : primary;
    const word = () => {
      const roll = random();
      if (roll < 0.3) return topicWord(primary, random);
      if (roll < 0.4) return topicWord(secondary, random);
      return globalWord(random);
    };
    const phrase = (n: number) => Array.from({ length: n }, () => topicWord(primary, random));
    const sentence = () => `${capitalise(Array.from({ length: between(random, 6, 16) }, word).join(' '))}.`;
    const paragraph = (wordsWanted: number) => {
      const out: string[] = [];
      let count = 0;
      while (count < wordsWanted) {
        const s = sentence();
        out.push(s);
        count += s.split(' ').length;
      }
      return out.join(' ');
    };
    const title = `${capitalise([...phrase(2), globalWord(random), ...phrase(1)].join(' '))} ${i}`;
    const parts = [`# ${title}`];
    if (length === 'short') {
      parts.push(paragraph(between(random, 40, 90)));
    } else {
      const sections = between(random, 1, 5);
      for (let s = 0; s < sections; s++) {
        parts.push(`## ${capitalise([...phrase(1), globalWord(random), ...phrase(1)].join(' '))}`);
        const paragraphs = between(random, 1, 3);
        for (let p = 0; p < paragraphs; p++) parts.push(paragraph(between(random, 50, 140)));
      }
    }
    return { title, content: `${parts.join('\n\n')}\n` };
  }

  function queries(count: number): SyntheticQuery[] {
    const random = prng(seed ^ 0x0de7);
    const openers = ['how does', 'what is', 'why do', 'where to find', 'notes on', 'explain'];
    const frequent = () => words[Math.floor(random() * 120)] as string;
    const rare = () => words[words.length - 1 - Math.floor(random() * 800)] as string;
    const kinds: SyntheticQuery['kind'][] = ['common', 'topical', 'rare'];
    return Array.from({ length: count }, (_, q) => {
      const kind = kinds[q % 3] as SyntheticQuery['kind'];
      const topic = topicRank(random);
      const terms =
        kind === 'common'
          ? [frequent(), frequent(), frequent(), topicWord(topic, random)]
          : kind === 'topical'
            ? [topicWord(topic, random), topicWord(topic, random), frequent()]
            : [rare(), topicWord(topic, random), frequent()];
      return { kind, text: `${openers[q % openers.length]} ${terms.join(' ')}?` };
    });
  }

  return { vocabularySize: words.length, topics: TOPICS, document, queries };
}
