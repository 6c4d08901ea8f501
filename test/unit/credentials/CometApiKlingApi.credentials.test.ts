import { CometApiKlingApi } from '../../../credentials/CometApiKlingApi.credentials';

describe('credential', () => {
	const credential = new CometApiKlingApi();
	it('is cometApiKlingApi (not cometApi, which CometAPI’s own package uses) with a password key and a base URL', () => {
		expect(credential.name).toBe('cometApiKlingApi');
		const apiKey = credential.properties.find((p) => p.name === 'apiKey')!;
		expect(apiKey.typeOptions).toEqual({ password: true });
		expect(credential.properties.find((p) => p.name === 'baseUrl')!.default).toBe('https://api.cometapi.com');
	});
	it('has a Balance Query URL for the free balance service, defaulting to query.cometapi.com', () => {
		const balanceUrl = credential.properties.find((p) => p.name === 'balanceUrl')!;
		expect(balanceUrl).toMatchObject({
			displayName: 'Balance Query URL',
			type: 'string',
			default: 'https://query.cometapi.com',
		});
		expect(balanceUrl.typeOptions).toBeUndefined();
	});
	it('sends a Bearer header and tests with the free model list, never a task', () => {
		expect(credential.authenticate).toEqual({
			type: 'generic',
			properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
		});
		expect(credential.test.request).toMatchObject({ method: 'GET', url: '/v1/models' });
		expect(credential.test.rules).toContainEqual({
			type: 'responseCode',
			properties: { value: 401, message: expect.stringMatching(/rejected the API key/) },
		});
	});
});
