import { DemoChat } from './demo-chat';
import { DevicePane } from './device-pane';
import { SIMULATED, conversations, roomOf, userId } from './people';
import { simulateMembers } from './simulated-members';

/**
 * `/demo/?room=…&panes=alice:phone,bob:phone&sim=off`: which devices this tab shows (all three
 * by default), in which room (a fresh one by default: open its link in another tab to join),
 * and whether this tab plays the group's other members.
 */
const params = new URLSearchParams(location.search);
const room = roomOf(params);
params.set('room', room);
history.replaceState(null, '', `${location.pathname}?${params.toString()}`);

const panes = (params.get('panes') ?? 'alice:phone,bob:phone,bob:laptop')
  .split(',')
  .map((pane) => pane.split(':'))
  .map(([name = 'alice', device = 'phone']) => ({ name, device }));

const chat = new DemoChat(room);
const member = (name: string): string => userId(name, room);
document.querySelector('#room')!.textContent = room;
const root = document.querySelector('#panes')!;
for (const { name, device } of panes) {
  const pane = new DevicePane(chat, member(name), device, conversations(room), member);
  root.append(pane.element);
  void pane.connect();
}
if (params.get('sim') !== 'off') simulateMembers(chat, SIMULATED.map(member));
