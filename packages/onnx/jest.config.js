module.exports = { ...require('../../jest.preset.js')(__dirname), testEnvironment: require.resolve('./jest-environment.js') };
