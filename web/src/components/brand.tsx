/** The MediaNest mark: a play triangle nested in a rounded tile, drawn inline so it themes with CSS. */
export function BrandMark(props: { class?: string }) {
  return (
    <svg viewBox="0 0 32 32" class={props.class} aria-hidden="true">
      <rect x="1" y="1" width="30" height="30" rx="8" fill="var(--mn-accent)" />
      <path
        d="M12 9.5v13a1 1 0 0 0 1.5.87l11-6.5a1 1 0 0 0 0-1.74l-11-6.5A1 1 0 0 0 12 9.5Z"
        fill="var(--mn-accent-fg)"
      />
      <path
        d="M7 10v12"
        stroke="var(--mn-accent-fg)"
        stroke-width="2.2"
        stroke-linecap="round"
        opacity="0.55"
      />
    </svg>
  );
}

export function Brand() {
  return (
    <span class="flex items-center gap-2.5">
      <BrandMark class="size-8 shrink-0" />
      <span class="text-lg font-semibold tracking-tight text-fg">
        Media<span class="text-accent">Nest</span>
      </span>
    </span>
  );
}
