import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import { EditorView } from '@codemirror/view';
import { useComputedColorScheme } from '@mantine/core';
import { basicSetup, minimalSetup } from 'codemirror';
import { useEffect, useRef } from 'react';
import { isDocumentType } from '../lib/document-types';
import { loadLanguage } from '../lib/languages';

const lightTheme = EditorView.theme({
  '&': { backgroundColor: 'var(--mantine-color-body)', color: 'var(--mantine-color-text)' },
  '.cm-gutters': {
    backgroundColor: 'var(--mantine-color-gray-0)',
    color: 'var(--mantine-color-gray-6)',
    borderRight: '1px solid var(--mantine-color-gray-3)',
  },
});

const baseTheme = EditorView.theme({
  '&': { fontSize: '13px', borderRadius: 'var(--mantine-radius-sm)' },
  '&.cm-focused': { outline: '2px solid var(--mantine-primary-color-filled)' },
  '.cm-scroller': { fontFamily: 'var(--mantine-font-family-monospace)', lineHeight: '1.5' },
  '.cm-content': { padding: '8px 0' },
});

export interface CodeMirrorOptions {
  value: string;
  documentType: string;
  readOnly: boolean;
  label: string;
  onChange?: (value: string) => void;
  minHeight?: string;
  maxHeight?: string;
}

/**
 * One CodeMirror view bound to a div. The language (loaded lazily), the light/dark theme and read-only mode
 * live in compartments so they switch without recreating the view and losing the cursor or undo history.
 */
export function useCodeMirror(options: CodeMirrorOptions) {
  const { value, documentType, readOnly, label, minHeight, maxHeight } = options;
  const container = useRef<HTMLDivElement | null>(null);
  const view = useRef<EditorView | null>(null);
  const onChange = useRef(options.onChange);
  onChange.current = options.onChange;
  const compartments = useRef({
    language: new Compartment(),
    theme: new Compartment(),
    readOnly: new Compartment(),
  });
  const scheme = useComputedColorScheme('light');

  // Created once per mount; later prop changes go through the effects below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the view must not be recreated on each change
  useEffect(() => {
    if (!container.current) return;
    const c = compartments.current;
    const sizing: Extension = EditorView.theme({
      '&': { minHeight: minHeight ?? 'auto', maxHeight: maxHeight ?? 'none' },
      '.cm-scroller': { overflow: 'auto' },
    });
    const created = new EditorView({
      parent: container.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          readOnly ? minimalSetup : basicSetup,
          EditorView.lineWrapping,
          baseTheme,
          sizing,
          c.theme.of(scheme === 'dark' ? oneDark : lightTheme),
          c.language.of([]),
          c.readOnly.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChange.current?.(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
  }, []);

  useEffect(() => {
    view.current?.dispatch({
      effects: compartments.current.theme.reconfigure(scheme === 'dark' ? oneDark : lightTheme),
    });
  }, [scheme]);

  useEffect(() => {
    let cancelled = false;
    const type = isDocumentType(documentType) ? documentType : 'text';
    void loadLanguage(type).then((language) => {
      if (cancelled) return;
      view.current?.dispatch({ effects: compartments.current.language.reconfigure(language ?? []) });
    });
    return () => {
      cancelled = true;
    };
  }, [documentType]);

  useEffect(() => {
    view.current?.dispatch({
      effects: compartments.current.readOnly.reconfigure([
        EditorState.readOnly.of(readOnly),
        EditorView.editable.of(!readOnly),
      ]),
    });
  }, [readOnly]);

  // Outside changes (a reload, a reset) replace the text; typing already matches and is left alone.
  useEffect(() => {
    const current = view.current;
    if (current && current.state.doc.toString() !== value) {
      current.dispatch({ changes: { from: 0, to: current.state.doc.length, insert: value } });
    }
  }, [value]);

  return container;
}
