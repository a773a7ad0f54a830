// The editor's image button: pick an image from the media library, or upload one, and
// insert it the way WordPress stores it: <img class="wp-image-ID size-NAME" src width
// height alt>, inside <figure>…<figcaption> when it has a caption (Gutenberg's image
// block). srcset and sizes are added when the page is shown (media_library/content.py).
// Loaded by django-prose-editor's configurable preset (DJANGO_PROSE_EDITOR_EXTENSIONS);
// no inline script, so it runs under the admin's Content-Security-Policy.
import { crel, gettext, Image, Node } from "django-prose-editor/editor"

const SIZES = [
  ["thumbnail", gettext("Thumbnail")],
  ["medium", gettext("Medium")],
  ["medium_large", gettext("Medium large")],
  ["large", gettext("Large")],
  ["full", gettext("Full size")],
]

const classValue = (pattern) => (element) =>
  (element.getAttribute("class") || "").match(pattern)?.[1] ?? null

let stylesheetAdded = false
const addStylesheet = () => {
  if (stylesheetAdded) return
  stylesheetAdded = true
  document.head.append(
    crel("link", {
      rel: "stylesheet",
      href: new URL("./library-image.css", import.meta.url).href,
    }),
  )
}

const csrfToken = () =>
  document.querySelector("input[name=csrfmiddlewaretoken]")?.value || ""

const readError = async (response) => {
  try {
    return (await response.json()).error || response.statusText
  } catch {
    return `${response.status} ${response.statusText}`
  }
}

function openLibrary(editor, options, nodeName) {
  addStylesheet()
  let chosen = null
  let nextPage = 1
  let query = ""

  const search = crel("input", {
    type: "search",
    name: "q",
    placeholder: gettext("Search the library"),
    className: "media-library-search",
  })
  const grid = crel("div", {
    className: "media-library-grid",
    role: "listbox",
    "aria-label": gettext("Media library"),
  })
  const more = crel("button", {
    type: "button",
    textContent: gettext("Show more"),
    className: "media-library-more",
    hidden: true,
  })
  const file = crel("input", {
    type: "file",
    name: "file",
    accept: "image/jpeg,image/png,image/gif,image/webp",
  })
  const upload = crel("button", { type: "button", textContent: gettext("Upload") })
  const message = crel("p", { className: "media-library-message", role: "status" })
  const alt = crel("input", { type: "text", name: "alt", size: 50 })
  const caption = crel("input", { type: "text", name: "caption", size: 50 })
  const size = crel(
    "select",
    { name: "size" },
    SIZES.map(([value, label]) => crel("option", { value, textContent: label })),
  )
  const insert = crel("button", {
    type: "submit",
    textContent: gettext("Insert"),
    disabled: true,
  })
  const cancel = crel("button", { type: "button", textContent: gettext("Cancel") })

  const form = crel("form", { className: "media-library-form" }, [
    crel("h3", { className: "prose-editor-dialog-title", textContent: gettext("Insert image") }),
    search,
    grid,
    more,
    crel("fieldset", { className: "media-library-upload" }, [
      crel("legend", { textContent: gettext("Upload a new image") }),
      file,
      upload,
    ]),
    message,
    crel("div", { className: "prose-editor-dialog-field" }, [
      crel("label", { textContent: gettext("Alternative text"), htmlFor: "media-library-alt" }),
      alt,
    ]),
    crel("div", { className: "prose-editor-dialog-field" }, [
      crel("label", { textContent: gettext("Caption"), htmlFor: "media-library-caption" }),
      caption,
    ]),
    crel("div", { className: "prose-editor-dialog-field" }, [
      crel("label", { textContent: gettext("Size"), htmlFor: "media-library-size" }),
      size,
    ]),
    crel("div", { className: "prose-editor-dialog-buttons" }, [insert, cancel]),
  ])
  alt.id = "media-library-alt"
  caption.id = "media-library-caption"
  size.id = "media-library-size"
  const dialog = crel("dialog", { className: "prose-editor-dialog media-library-dialog" }, [form])
  editor.view.dom.parentElement.append(dialog)

  const choose = (item, button) => {
    chosen = item
    for (const other of grid.querySelectorAll("[aria-selected=true]")) {
      other.setAttribute("aria-selected", "false")
    }
    button.setAttribute("aria-selected", "true")
    alt.value = item.alt || ""
    caption.value = item.caption || ""
    for (const option of size.options) {
      option.disabled = !(option.value in item.sizes)
    }
    size.value = "large" in item.sizes ? "large" : "full"
    insert.disabled = false
  }

  const tile = (item) => {
    const button = crel(
      "button",
      {
        type: "button",
        className: "media-library-item",
        role: "option",
        "aria-selected": "false",
        title: item.title,
      },
      [
        crel("img", { src: item.thumbnail, alt: "", loading: "lazy" }),
        crel("span", { textContent: item.title }),
      ],
    )
    button.dataset.id = item.id
    button.addEventListener("click", () => choose(item, button))
    return button
  }

  const load = async (reset) => {
    if (reset) {
      nextPage = 1
      grid.textContent = ""
    }
    const url = new URL(options.pickerUrl, window.location.href)
    url.searchParams.set("page", nextPage)
    if (query) url.searchParams.set("q", query)
    const response = await fetch(url, { credentials: "same-origin" })
    if (!response.ok) {
      message.textContent = await readError(response)
      return
    }
    const data = await response.json()
    grid.append(...data.results.map(tile))
    if (!grid.children.length) {
      message.textContent = query
        ? gettext("No image matches.")
        : gettext("The library is empty: upload an image.")
    }
    nextPage = data.next
    more.hidden = !nextPage
  }

  let searchTimer = null
  search.addEventListener("input", () => {
    clearTimeout(searchTimer)
    searchTimer = setTimeout(() => {
      query = search.value.trim()
      message.textContent = ""
      load(true)
    }, 250)
  })
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") e.preventDefault()
  })
  more.addEventListener("click", () => load(false))

  upload.addEventListener("click", async () => {
    if (!file.files.length) {
      message.textContent = gettext("Choose an image to upload.")
      return
    }
    const body = new FormData()
    body.append("file", file.files[0])
    body.append("alt", alt.value)
    body.append("caption", caption.value)
    upload.disabled = true
    message.textContent = gettext("Uploading…")
    try {
      const response = await fetch(options.uploadUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
      })
      if (!response.ok) {
        message.textContent = await readError(response)
        return
      }
      const item = await response.json()
      const button = tile(item)
      grid.prepend(button)
      choose(item, button)
      file.value = ""
      message.textContent = gettext("Uploaded.")
    } finally {
      upload.disabled = false
    }
  })

  cancel.addEventListener("click", () => dialog.close())
  dialog.addEventListener("close", () => dialog.remove())
  form.addEventListener("submit", (e) => {
    e.preventDefault()
    if (!chosen) return
    const rendition = chosen.sizes[size.value] || chosen.sizes.full
    dialog.close()
    const image = {
      type: nodeName,
      attrs: {
        src: rendition.url,
        alt: alt.value.trim() || null,
        width: rendition.width,
        height: rendition.height,
        mediaId: String(chosen.id),
        size: rendition === chosen.sizes.full ? "full" : size.value,
      },
    }
    const text = caption.value.trim()
    const content = text
      ? {
          type: "libraryFigure",
          content: [image, { type: "libraryCaption", content: [{ type: "text", text }] }],
        }
      : image
    editor.chain().focus().insertContent(content).run()
  })

  dialog.showModal()
  load(true)
}

export const LibraryImage = Image.extend({
  addOptions() {
    return { ...this.parent?.(), pickerUrl: null, uploadUrl: null }
  },

  addAttributes() {
    return {
      ...this.parent?.(),
      // Not in the allowlist: dropped rather than kept only in the editor.
      title: { default: null, parseHTML: () => null, renderHTML: () => ({}) },
      mediaId: {
        default: null,
        parseHTML: classValue(/(?:^|\s)wp-image-(\d+)(?:\s|$)/),
        renderHTML: ({ mediaId }) => (mediaId ? { class: `wp-image-${mediaId}` } : {}),
      },
      size: {
        default: null,
        parseHTML: classValue(/(?:^|\s)size-(thumbnail|medium|medium_large|large|full)(?:\s|$)/),
        renderHTML: ({ size }) => (size ? { class: `size-${size}` } : {}),
      },
      align: {
        default: null,
        parseHTML: classValue(/(?:^|\s)(align(?:left|right|center|none))(?:\s|$)/),
        renderHTML: ({ align }) => (align ? { class: align } : {}),
      },
    }
  },

  addExtensions() {
    return [LibraryFigure, LibraryCaption]
  },

  addMenuItems({ buttons, menu }) {
    const options = this.options
    const nodeName = this.name
    menu.defineItem({
      name: "libraryImage",
      groups: "nodes",
      button: buttons.material("image", gettext("Insert image from the media library")),
      command(editor) {
        openLibrary(editor, options, nodeName)
      },
      active(editor) {
        return editor.isActive(nodeName)
      },
    })
  },
})

// A captioned image: <figure><img …><figcaption>…</figcaption></figure>, no classes.
const LibraryFigure = Node.create({
  name: "libraryFigure",
  group: "block",
  content: "image libraryCaption?",
  draggable: true,
  isolating: true,
  parseHTML() {
    return [{ tag: "figure" }]
  },
  renderHTML() {
    return ["figure", 0]
  },
})

const LibraryCaption = Node.create({
  name: "libraryCaption",
  content: "inline*",
  isolating: true,
  parseHTML() {
    return [{ tag: "figcaption" }]
  },
  renderHTML() {
    return ["figcaption", 0]
  },
})
