import { Mark } from '@mantine/core';
import { useMemo } from 'react';
import { highlightSegments } from './query-terms';

/** Plain text with the query's words marked; the text is never interpreted as HTML. */
export function HighlightedText({ text, terms }: { text: string; terms: Set<string> }) {
  const segments = useMemo(() => highlightSegments(text, terms), [text, terms]);
  let offset = 0;
  return (
    <>
      {segments.map((segment) => {
        // Segments are contiguous, so their start offset is a stable unique key.
        const key = offset;
        offset += segment.text.length;
        return segment.match ? <Mark key={key}>{segment.text}</Mark> : <span key={key}>{segment.text}</span>;
      })}
    </>
  );
}
