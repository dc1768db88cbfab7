// Account: the logged-in user changes their own password (PUT /api/v1/session/password). The
// server ends every session of the user and answers a new one, whose CSRF token replaces ours.
import {api, currentSession, setSession} from './api.js';
import {h, add} from './dom.js';
import {showError, hideError, showNotice} from './notify.js';

const MIN_LENGTH = 10;

export async function render(main, ctx) {
  const me = currentSession();
  const field = (id, label, autocomplete) => {
    const input = h('input', {id, type: 'password', required: true, autocomplete});
    return {input, el: h('div', {class: 'field grow'}, h('label', {for: id}, label), input)};
  };
  const current = field('account-current', 'Current password', 'current-password');
  const next = field('account-new', `New password (at least ${MIN_LENGTH} characters)`, 'new-password');
  const again = field('account-again', 'New password again', 'new-password');
  const save = h('button', {type: 'submit', id: 'account-save', class: 'primary'}, 'Change password');
  const form = h('form', {class: 'filters in-card', id: 'account-form', 'aria-label': 'Change your password'},
    current.el, next.el, again.el, h('div', {class: 'field end'}, save));
  add(main,
    h('div', {class: 'page-head'}, h('h1', {tabindex: '-1'}, 'Your account')),
    h('section', {class: 'card', 'aria-labelledby': 'account-title'},
      h('div', {class: 'card-head'}, h('h2', {id: 'account-title'}, `${me.user} · ${me.role}`)),
      h('p', {class: 'muted'}, 'Changing your password ends your sessions in other browsers.'),
      form));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (next.input.value.length < MIN_LENGTH) {
      showError({message: `The new password needs at least ${MIN_LENGTH} characters.`});
      return;
    }
    if (next.input.value !== again.input.value) {
      showError({message: 'The two new passwords differ.'});
      return;
    }
    save.disabled = true;
    try {
      const s = await api('PUT', '/session/password', {signal: ctx.signal,
        body: {current: current.input.value, new: next.input.value}});
      setSession(s);
      hideError();
      showNotice('Your password was changed; your other sessions ended.');
      for (const f of [current, next, again]) f.input.value = '';
    } catch (err) {
      showError(err, 'Changing your password');
    } finally {
      save.disabled = false;
    }
  });
}
