import { type DocumentType, documentTypeFromFileName } from './document-types';

export interface PreparedFile {
  file: File;
  title: string;
  documentType: DocumentType;
  content: string;
}

const TITLE_MAX = 500;

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

const withoutExtension = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
};

/** A title for an uploaded file: its first heading for markdown, else the file name without extension. */
export function titleFor(fileName: string, documentType: DocumentType, content: string): string {
  const heading = documentType === 'markdown' ? firstHeading(content) : undefined;
  const title = (heading ?? withoutExtension(fileName)).trim() || fileName;
  return title.slice(0, TITLE_MAX);
}

/** Reads a picked file as UTF-8 text; binary files are refused with a readable reason. */
export async function prepareFile(file: File): Promise<PreparedFile> {
  const content = await file.text();
  if (content.includes('\u0000')) throw new Error('This looks like a binary file; only text can be stored');
  if (!content.trim()) throw new Error('The file is empty');
  const documentType = documentTypeFromFileName(file.name) ?? 'text';
  return { file, documentType, content, title: titleFor(file.name, documentType, content) };
}
