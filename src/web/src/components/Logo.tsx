/** The app's mark: a stack of pages. Decorative; the name next to it is the accessible text. */
export function Logo({ size = 26 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect x="4" y="9" width="18" height="20" rx="3" fill="var(--mantine-color-blue-3)" />
      <rect x="10" y="3" width="18" height="20" rx="3" fill="var(--mantine-color-blue-6)" />
      <path d="M14 9h10M14 13h10M14 17h6" stroke="white" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}
