// Start the NHS.UK design system's components (header menu, conditional reveals, error summary focus).
import { initAll } from '/assets/nhsuk-frontend.min.js'

initAll()
