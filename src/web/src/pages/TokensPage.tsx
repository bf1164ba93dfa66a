import { Tabs } from '@mantine/core';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { PageHeader } from '../components/PageHeader';
import { CatPanel } from './tokens/CatPanel';
import { ConnectedClientsPanel } from './tokens/ConnectedClientsPanel';
import { PatPanel } from './tokens/PatPanel';
import { SecretModal } from './tokens/SecretModal';
import type { IssuedToken, TokenKind } from './tokens/token-types';
import { useTokenLimits } from './tokens/useTokenLimits';

type Tab = TokenKind | 'oauth';

export default function TokensPage() {
  const [params, setParams] = useSearchParams();
  const requested = params.get('tab');
  const tab: Tab = requested === 'cat' || requested === 'oauth' ? requested : 'pat';
  const limits = useTokenLimits();
  const [issued, setIssued] = useState<IssuedToken | null>(null);

  const selectTab = (value: string | null) => {
    const next = new URLSearchParams(params);
    next.set('tab', value === 'cat' || value === 'oauth' ? value : 'pat');
    setParams(next, { replace: true });
  };

  return (
    <>
      <PageHeader
        title="Tokens"
        description="Access tokens let MCP clients, agents and scripts use your documents without your password."
      />
      <Tabs value={tab} onChange={selectTab} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="pat">Personal (PAT)</Tabs.Tab>
          <Tabs.Tab value="cat">Collection (CAT)</Tabs.Tab>
          <Tabs.Tab value="oauth">Connected clients</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="pat">
          <PatPanel maxDays={limits.patMaxDays} onIssued={setIssued} />
        </Tabs.Panel>
        <Tabs.Panel value="cat">
          <CatPanel maxDays={limits.catMaxDays} onIssued={setIssued} />
        </Tabs.Panel>
        <Tabs.Panel value="oauth">
          <ConnectedClientsPanel />
        </Tabs.Panel>
      </Tabs>
      <SecretModal issued={issued} onClose={() => setIssued(null)} />
    </>
  );
}
