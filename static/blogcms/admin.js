// The rich-text editor (django-prose-editor) replaces its textarea with a contenteditable
// box that has no name of its own: give it the textarea's label, so a screen reader says
// "Body, edit text" (axe: aria-input-field-name).
document.addEventListener("prose-editor:ready", (event) => {
  const { editor, textarea } = event.detail;
  const label = textarea.id && document.querySelector(`label[for="${textarea.id}"]`);
  const name = label ? label.textContent.replace(/:\s*$/, "").trim() : textarea.name;
  editor.setOptions({
    editorProps: {
      ...editor.options.editorProps,
      attributes: { ...(editor.options.editorProps.attributes || {}), "aria-label": name },
    },
  });
});
