import { Grid, Stack, TextInput } from '@mantine/core';
import type { ReactNode } from 'react';
import { CodeEditor } from '../../components/CodeEditor';
import { DocumentTypeSelect } from '../../components/DocumentTypeSelect';
import { MetadataInput } from './MetadataInput';

export interface DocumentDraft {
  title: string;
  documentType: string;
  metadata: string;
  content: string;
}

export const TITLE_MAX = 500;

export function draftErrors(draft: DocumentDraft) {
  return {
    title: !draft.title.trim()
      ? 'Enter a title'
      : draft.title.trim().length > TITLE_MAX
        ? `At most ${TITLE_MAX} characters`
        : null,
    content: !draft.content.trim() ? 'The document needs some content' : null,
  };
}

/** Title, type, (optionally) collection, metadata and the editor, shared by the new and edit pages. */
export function DocumentFields({
  draft,
  onChange,
  showErrors,
  collectionField,
}: {
  draft: DocumentDraft;
  onChange: (change: Partial<DocumentDraft>) => void;
  showErrors: boolean;
  collectionField?: ReactNode;
}) {
  const errors = showErrors ? draftErrors(draft) : { title: null, content: null };
  return (
    <Stack>
      <Grid>
        <Grid.Col span={{ base: 12, md: collectionField ? 6 : 8 }}>
          <TextInput
            label="Title"
            value={draft.title}
            onChange={(event) => onChange({ title: event.currentTarget.value })}
            error={errors.title}
            maxLength={TITLE_MAX}
            required
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, sm: 6, md: collectionField ? 3 : 4 }}>
          <DocumentTypeSelect
            value={draft.documentType}
            onChange={(value) => onChange({ documentType: value ?? 'markdown' })}
          />
        </Grid.Col>
        {collectionField && <Grid.Col span={{ base: 12, sm: 6, md: 3 }}>{collectionField}</Grid.Col>}
      </Grid>
      <CodeEditor
        label="Content"
        value={draft.content}
        onChange={(content) => onChange({ content })}
        documentType={draft.documentType}
        error={errors.content}
      />
      <MetadataInput value={draft.metadata} onChange={(metadata) => onChange({ metadata })} />
    </Stack>
  );
}
