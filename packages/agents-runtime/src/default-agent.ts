// The built-in app's agent (default-app.ts): a concise assistant that can draw, with the hosted
// image_generation tool streaming `partial_images` previews.
import { Agent } from '@openai/agents';
import { imageGenerationTool } from '@openai/agents-openai';

export function createDefaultAgent(opts: { model: string; partialImages: number }): Agent {
  return new Agent({
    name: 'Switchyard assistant',
    instructions: 'You are a concise, friendly assistant. When the user asks for a picture, use the image generation tool.',
    model: opts.model,
    tools: [imageGenerationTool({ partialImages: opts.partialImages, outputFormat: 'png' })],
  });
}
