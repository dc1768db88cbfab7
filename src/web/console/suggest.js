// Computer names offered in a text field (a <datalist>) from the inventory as the user types.
import {api, listOf} from './api.js';
import {h, fill} from './dom.js';
import {showError} from './notify.js';

// Returns the datalist to put next to input (which gets its list attribute).
export function suggestComputers(input, ctx, id) {
  const names = h('datalist', {id});
  input.setAttribute('list', id);
  let typing = 0;
  input.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(async () => {
      try {
        const found = listOf(await api('GET', '/computers', {signal: ctx.signal,
          query: {q: input.value.trim(), limit: 20}}));
        if (ctx.alive()) fill(names, found.items.map((c) => h('option', {value: c.fqdn})));
      } catch (e) {
        showError(e, 'Looking up computer names');
      }
    }, 300);
  });
  ctx.onLeave(() => clearTimeout(typing));
  return names;
}
