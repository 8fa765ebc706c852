'use client';

/** Throws in the browser when clicked: an uncaught error for Sentry's global handler. */
export function ThrowButton() {
  return (
    <button
      type="button"
      data-testid="throw"
      onClick={() => {
        throw new Error('Deliberate client error (debug route)');
      }}
    >
      Throw in the browser
    </button>
  );
}
