/** A group's details, loaded from the core and loaded again whenever the group changes. */
import { useCallback, useEffect, useState } from 'react';
import type { GroupInfo } from '../../../shared/types.ts';
import type { AppActions } from '../../state/actions.ts';
import { errorSentence } from '../../state/errors.ts';

export function useGroup(
  app: AppActions,
  accountId: number,
  chatId: number,
  enabled = true,
): { group: GroupInfo | null; error: string | null; reload: () => void } {
  const [group, setGroup] = useState<GroupInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    if (!enabled) return;
    let current = true;
    app.runtime.call('getGroup', { accountId, chatId }).then(
      (info) => {
        if (!current) return;
        setGroup(info);
        setError(null);
      },
      (e: unknown) => current && setError(errorSentence(e)),
    );
    return () => {
      current = false;
    };
  }, [app, accountId, chatId, enabled, generation]);

  useEffect(() => {
    if (!enabled) return;
    return app.runtime.onEvent((event) => {
      if (event.type === 'chatChanged' && event.accountId === accountId) {
        if (event.chat.id === chatId) reload();
      } else if (event.type === 'contactChanged' && event.accountId === accountId) {
        reload();
      }
    });
  }, [app, accountId, chatId, enabled, reload]);

  return { group, error, reload };
}
