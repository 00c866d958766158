/** A chat's round picture: the group's image when it has one, else initials on a colour. */
import type { ChatSummary } from '../../../shared/types.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { useApp } from '../../state/context.tsx';
import { useBlobUrl } from '../chat/blob-url.ts';

export function ChatAvatar({
  accountId,
  chat,
  size,
}: {
  accountId: number;
  chat: Pick<ChatSummary, 'name' | 'addr' | 'image'>;
  size?: number;
}) {
  const seed = chat.addr ?? chat.name;
  if (!chat.image) return <Avatar name={chat.name} seed={seed} size={size} />;
  return (
    <ImageAvatar accountId={accountId} blob={chat.image} name={chat.name} seed={seed} size={size} />
  );
}

function ImageAvatar(props: {
  accountId: number;
  blob: string;
  name: string;
  seed: string;
  size?: number;
}) {
  // Initials until the image has loaded, and for good if it cannot be loaded.
  const { url } = useBlobUrl(useApp().runtime, props.accountId, props.blob);
  return <Avatar name={props.name} seed={props.seed} image={url} size={props.size} />;
}
