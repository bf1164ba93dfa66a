/* No Node imports: the web UI's upload titles its files with this too, like `ainstruct import`. */

/** The first markdown heading (ATX `# x` or setext), skipping front matter and fenced code. */
export function firstHeading(content: string): string | undefined {
  const lines = content.split(/\r?\n/);
  let start = 0;
  if (lines[0]?.trim() === '---') {
    const end = lines.findIndex((line, index) => index > 0 && /^(---|\.\.\.)\s*$/.test(line));
    if (end > 0) start = end + 1;
  }
  let fence: string | null = null;
  for (let index = start; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const fenceMatch = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch?.[1]) {
      const marker = fenceMatch[1];
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const atx = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (atx?.[1]) return atx[1].trim();
    const next = lines[index + 1] ?? '';
    if (line.trim() && /^\s{0,3}(=+|-+)\s*$/.test(next) && !/^\s{0,3}[-*+>]/.test(line)) return line.trim();
  }
  return undefined;
}
