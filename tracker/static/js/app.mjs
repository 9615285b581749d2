// Start the NHS.UK design system's components (header menu, conditional reveals, error summary
// focus), and keep what is typed in the diary's forms until it is saved (drafts.mjs).
import { initAll } from '/assets/nhsuk-frontend.min.js'
import { keepDrafts } from '/static/js/drafts.mjs'

keepDrafts()
initAll()
