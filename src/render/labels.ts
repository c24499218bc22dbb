// Interface text in the site's language. zh-CN is the default; `language: en` in
// site.yaml switches every label.
import type { Language } from '../config.ts';
import { sharedView } from './shared-view.ts';

export interface Labels {
  related: string;
  mostRead: string;
  trending: string;
  headlines: string;
  recommended: string;
  latest: string;
  home: string;
  skipToContent: string;
  published: string;
  updated: string;
  authors: string;
  source: string;
  category: string;
  tags: string;
  tickers: string;
  contents: string;
  previousPage: string;
  nextPage: string;
  pageOf: (page: number, total: number) => string;
  pagination: string;
  notFoundTitle: string;
  notFoundText: string;
  backHome: string;
  redirecting: string;
  latestArticles: string;
  rankingLists: string;
  noArticles: string;
  categories: string;
  tag: string;
  author: string;
  breadcrumbs: string;
  olderArticle: string;
  newerArticle: string;
  articleCount: (count: number) => string;
  yearArchive: (year: number) => string;
  monthArchive: (year: number, month: number) => string;
  search: string;
  searchPlaceholder: string;
  /** Shown on the search page without JavaScript, and when its Pagefind bundle fails to load. */
  searchNoScript: string;
  searchUnavailable: string;
  sections: string;
  archive: string;
}

const LABELS: Record<Language, Labels> = {
  'zh-CN': {
    related: '您可能也感兴趣',
    mostRead: '排行',
    trending: '今日热点',
    headlines: '今日要闻',
    recommended: '为您推荐',
    latest: '最新',
    home: '首页',
    skipToContent: '跳到正文',
    published: '发布',
    updated: '更新',
    authors: '作者',
    source: '来源',
    category: '栏目',
    tags: '标签',
    tickers: '相关证券',
    contents: '目录',
    previousPage: '上一页',
    nextPage: '下一页',
    pageOf: (page, total) => `第 ${page} 页，共 ${total} 页`,
    pagination: '分页',
    notFoundTitle: '页面不存在',
    notFoundText: '您访问的页面不存在或已被移除。',
    backHome: '返回首页',
    redirecting: '页面已迁移，正在跳转：',
    latestArticles: '最新文章',
    rankingLists: '排行榜',
    noArticles: '暂无文章。',
    categories: '栏目',
    tag: '标签',
    author: '作者',
    breadcrumbs: '当前位置',
    olderArticle: '上一篇',
    newerArticle: '下一篇',
    articleCount: (count) => `${count} 篇`,
    yearArchive: (year) => `${year}年`,
    monthArchive: (year, month) => `${year}年${month}月`,
    search: '搜索',
    searchPlaceholder: '搜索文章、公司或代码',
    searchNoScript: '站内搜索需要启用 JavaScript。',
    searchUnavailable: '搜索索引尚未生成，暂时无法搜索。',
    sections: '栏目导航',
    archive: '档案',
  },
  en: {
    related: 'You may also like',
    mostRead: 'Most read',
    trending: 'Trending',
    headlines: "Today's headlines",
    recommended: 'Recommended',
    latest: 'Latest',
    home: 'Home',
    skipToContent: 'Skip to content',
    published: 'Published',
    updated: 'Updated',
    authors: 'By',
    source: 'Source',
    category: 'Section',
    tags: 'Tags',
    tickers: 'Tickers',
    contents: 'Contents',
    previousPage: 'Previous',
    nextPage: 'Next',
    pageOf: (page, total) => `Page ${page} of ${total}`,
    pagination: 'Pagination',
    notFoundTitle: 'Page not found',
    notFoundText: 'The page you asked for does not exist or has been removed.',
    backHome: 'Back to the home page',
    redirecting: 'This page has moved to',
    latestArticles: 'Latest articles',
    rankingLists: 'Rankings',
    noArticles: 'No articles yet.',
    categories: 'Sections',
    tag: 'Tag',
    author: 'By',
    breadcrumbs: 'You are here',
    olderArticle: 'Previous story',
    newerArticle: 'Next story',
    articleCount: (count) => `${count} ${count === 1 ? 'article' : 'articles'}`,
    yearArchive: (year) => `${year}`,
    monthArchive: (year, month) => `${['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][month - 1]} ${year}`,
    search: 'Search',
    searchPlaceholder: 'Search articles, companies, tickers',
    searchNoScript: 'Search needs JavaScript.',
    searchUnavailable: 'The search index has not been built, so search is unavailable.',
    sections: 'Sections',
    archive: 'Archive',
  },
};

// Every page carries its labels; fingerprints count them as one token.
for (const labels of Object.values(LABELS)) sharedView(labels);

export function labelsFor(language: Language): Labels {
  return LABELS[language];
}
