/**
 * Progressive enhancement shared by every console page; each page works without it.
 *
 * - `<form data-confirm="Erase Ada's data?">` (or the same on one submit button) asks first, in a
 *   modal dialog; `data-confirm-label` names the confirming button (default: the button's text).
 * - `<form data-autosubmit>` submits itself when a control changes, and as the person types in a
 *   text or search field. With `data-autosubmit-target="ID"` a GET form swaps only the element
 *   with that id for the new page's, and keeps the address bar in step without a history entry
 *   per keystroke.
 */
import { confirmSubmit } from './lib/confirm.js';
import { autosubmit } from './lib/autosubmit.js';

confirmSubmit(document);
autosubmit(document);
