import { Button, type ButtonProps, CopyButton as MantineCopyButton, Tooltip } from '@mantine/core';

/** Copies `value` to the clipboard, and says so. */
export function CopyButton({
  value,
  label = 'Copy',
  ...props
}: ButtonProps & { value: string; label?: string }) {
  return (
    <MantineCopyButton value={value} timeout={2000}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? 'Copied' : 'Copy to clipboard'} withArrow>
          <Button
            size="xs"
            variant="light"
            color={copied ? 'teal' : undefined}
            {...props}
            onClick={copy}
            aria-label={label}
          >
            {copied ? 'Copied' : label}
          </Button>
        </Tooltip>
      )}
    </MantineCopyButton>
  );
}
