// Keep what a patient types in a diary form in this browser tab until the save is confirmed.
//
// A save can fail (the server breaks, the connection drops): the typed words must not go with
// it. A form marked data-draft="KEY" is copied to sessionStorage as it is typed. When the same
// form is next opened fresh (data-draft-restore), the copy is put back and a notice says so.
// The page after a confirmed save names the draft in a hidden data-draft-saved element, and
// the copy is dropped. Without JavaScript the forms work as before, with nothing kept.

const PREFIX = 'tracker-draft:'

function storage () {
  try {
    return window.sessionStorage
  } catch {
    return null // storage turned off: the forms still work, nothing is kept
  }
}

function kept (form) {
  return [...new FormData(form)].filter(
    ([name, value]) => name !== 'csrf_token' && typeof value === 'string'
  )
}

function save (store, form) {
  try {
    store.setItem(PREFIX + form.dataset.draft, JSON.stringify(kept(form)))
  } catch {
    // full or refused: nothing more to do
  }
}

function fieldsNamed (form, name) {
  return [...form.elements].filter((field) => field.name === name)
}

function put (form, pairs) {
  const byName = new Map()
  for (const [name, value] of pairs) {
    byName.set(name, [...(byName.get(name) || []), value])
  }
  let changed = false
  for (const [name, values] of byName) {
    for (const field of fieldsNamed(form, name)) {
      if (field.type === 'hidden' || field.type === 'password') continue
      if (field.type === 'radio' || field.type === 'checkbox') {
        const on = values.includes(field.value)
        if (field.checked !== on) {
          field.checked = on
          changed = true
        }
      } else if (field.value !== values[0]) {
        field.value = values.shift()
        changed = true
      }
    }
  }
  return changed
}

function say (form) {
  const notice = document.createElement('div')
  notice.className = 'nhsuk-inset-text'
  notice.setAttribute('role', 'status')
  notice.dataset.draftNotice = ''
  notice.innerHTML =
    '<span class="nhsuk-u-visually-hidden">Information: </span>' +
    '<p>We have filled in what you typed here before, as it was not saved. ' +
    'Check it, then save it.</p>'
  form.prepend(notice)
}

function restore (store, form) {
  const raw = store.getItem(PREFIX + form.dataset.draft)
  if (!raw) return
  let pairs
  try {
    pairs = JSON.parse(raw)
  } catch {
    store.removeItem(PREFIX + form.dataset.draft)
    return
  }
  if (Array.isArray(pairs) && put(form, pairs)) {
    // Conditional reveals (the design system's) follow the restored radios and boxes.
    for (const field of form.querySelectorAll('input[type="radio"], input[type="checkbox"]')) {
      field.dispatchEvent(new Event('change', { bubbles: true }))
    }
    say(form)
  }
}

export function keepDrafts (root = document) {
  const store = storage()
  if (!store) return
  for (const saved of root.querySelectorAll('[data-draft-saved]')) {
    store.removeItem(PREFIX + saved.dataset.draftSaved)
  }
  for (const form of root.querySelectorAll('form[data-draft]')) {
    if ('draftRestore' in form.dataset) restore(store, form)
    const keep = () => save(store, form)
    form.addEventListener('input', keep)
    form.addEventListener('change', keep)
    form.addEventListener('submit', keep)
  }
}
