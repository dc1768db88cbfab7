// The error banner (the API's message and fix) and the notice of what just succeeded.
import {h, fill} from './dom.js';
import {ApiError} from './api.js';

const banner = () => document.getElementById('error-banner');
const notice = () => document.getElementById('notice');

// An ApiError (or any Error): its message, and its fix when it has one. 401s are handled by the
// login page and aborted requests by whoever aborted them: neither shows here.
export function showError(error, context = '') {
  if (!error || error.name === 'AbortError' || error.status === 401) return;
  // A fault of the console itself (not an answer of the API) goes to the browser's console too.
  if (error instanceof Error && !(error instanceof ApiError)) console.error(error);
  const el = banner();
  hideNotice();
  fill(el,
    h('div', {class: 'banner-text'},
      h('p', {class: 'banner-message', data: {test: 'error-message'}},
        context ? `${context}: ` : '', error.message || String(error)),
      error.fix ? h('p', {class: 'banner-fix', data: {test: 'error-fix'}}, 'Fix: ', error.fix) : null,
      error.status ? h('p', {class: 'banner-meta muted'},
        `HTTP ${error.status}`, error.event ? ` · event ${error.event}` : '') : null),
    h('button', {type: 'button', class: 'ghost', 'aria-label': 'Dismiss the error',
      on: {click: hideError}}, '✕'));
  el.hidden = false;
}

export function hideError() {
  const el = banner();
  if (el) {
    el.hidden = true;
    el.replaceChildren();
  }
}

let noticeTimer = 0;
export function showNotice(text) {
  const el = notice();
  el.textContent = text;
  el.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(hideNotice, 8000);
}

export function hideNotice() {
  const el = notice();
  if (el) {
    el.hidden = true;
    el.textContent = '';
  }
}
