import { describe, expect, it } from 'vitest';
import { cleanText, MODEL_MAX_TOKENS, planWindows, segmentText } from './windows.js';

describe('cleanText', () => {
  it('collapses newlines and tabs, which the tokenizer would read as unknown tokens', () => {
    expect(cleanText('  # Title\n\nSome\ttext  here \n')).toBe('# Title Some text here');
    expect(cleanText(' \n\t ')).toBe('');
  });
});

describe('segmentText', () => {
  it('cuts only at spaces and keeps every word', () => {
    const text = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const segments = segmentText(text, 50);
    expect(segments.join(' ')).toBe(text);
    for (const s of segments) expect(s.length).toBeLessThanOrEqual(50);
  });

  it('splits a single overlong word', () => {
    const segments = segmentText(`a ${'x'.repeat(25)} b`, 10);
    expect(segments).toEqual(['a', 'xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxx', 'b']);
  });

  it('returns nothing for empty text', () => {
    expect(segmentText('')).toEqual([]);
  });
});

describe('planWindows', () => {
  const options = { size: 128, overlap: 16, maxWindows: 32 };

  it('uses one window for a short text', () => {
    expect(planWindows(5, options)).toEqual([{ start: 0, end: 5, weight: 1 }]);
    expect(planWindows(128, options)).toEqual([{ start: 0, end: 128, weight: 1 }]);
  });

  it('slides with overlap, ends on a full window and weights by new tokens', () => {
    const windows = planWindows(300, options);
    expect(windows.map((w) => [w.start, w.end])).toEqual([
      [0, 128],
      [112, 240],
      [172, 300],
    ]);
    expect(windows.map((w) => w.weight)).toEqual([128, 112, 60]);
    // Every token is covered, and the weights add up to the text length.
    expect(windows.reduce((sum, w) => sum + w.weight, 0)).toBe(300);
  });

  it('never exceeds the model limit', () => {
    for (const w of planWindows(1000, { size: 500, overlap: 0, maxWindows: 100 })) {
      expect(w.end - w.start).toBeLessThanOrEqual(MODEL_MAX_TOKENS);
    }
  });

  it('samples evenly, keeping both ends, when a text needs too many windows', () => {
    const windows = planWindows(100_000, { size: 128, overlap: 0, maxWindows: 4 });
    expect(windows).toHaveLength(4);
    expect(windows[0]?.start).toBe(0);
    expect(windows[3]?.end).toBe(100_000);
    const starts = windows.map((w) => w.start);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
  });
});
