// Example Switchyard app (the default of `npm start`): an image designer that uses every hook —
// an agent with image generation, a client tool (the browser reports the user's brand colours), a
// palette widget with a streaming action and a sync action, a structured-input question, feedback,
// stream options and thread titling. Point SWITCHYARD_APP at a module like this one.
import { agentServicesOf, respondsOnlyInWorkers } from '@switchyard/agents-runtime/app-services';
import { defineApp, type SwitchyardApp } from '@switchyard/app-api';
import { paletteAction, paletteColorsOf, paletteWidget } from './palette.ts';

export { CLIENT_TOOL, paletteAction, paletteColorsOf, paletteWidget } from './palette.ts';

// The agent (and with it the Agents SDK) is loaded only in the generation worker: the gateway loads
// this module for the JSON hooks and stays free of model code.
export default defineApp(async (runtime): Promise<SwitchyardApp> => {
  const services = agentServicesOf(runtime);
  return {
    name: 'image-designer',
    respond: services ? (await import('./agent.ts')).designerResponder(services) : respondsOnlyInWorkers,
    action: paletteAction,
    async syncAction({ action, sender }) {
      if (action.type !== 'palette.favorite') return null;
      const colors = paletteColorsOf(action);
      if (!sender || sender.type !== 'widget') return null;
      return { ...sender, widget: paletteWidget(colors, { favorite: true }) };
    },
    async feedback({ threadId, itemIds, kind }) {
      console.log(JSON.stringify({ msg: 'feedback', threadId, itemIds, kind }));
    },
    streamOptions: () => ({ allow_cancel: true }),
  };
});
